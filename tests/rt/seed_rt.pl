#!/usr/bin/perl
# Seeds a fresh RT 5 database through RT's own Perl API (RT::Queue, RT::User,
# RT::AuthToken, RT::Ticket), the same calls the web UI makes, and prints what the
# tests need as one JSON object on stdout. Run by tests/rt/rt_server.py with
# RT_SITE_CONFIG / RT_SITE_CONFIG_DIR pointing at the throwaway instance's config.
use strict;
use warnings;
use lib "/usr/local/share/request-tracker5/lib", "/usr/share/request-tracker5/lib";
use JSON ();
use RT;

RT::LoadConfig();
RT::Init();

my $root = RT::CurrentUser->new(RT->SystemUser);
$root->Load('root');
die "no root user\n" unless $root->id;

sub check { my ($what, $ok, $msg) = @_; die "seed: $what: $msg\n" unless $ok; return $ok }

my $queue = RT::Queue->new($root);
check('queue Support', $queue->Create(Name => 'Support', Description => 'traysupport tests',
    SLADisabled => 0));

# Agents: may see, own, take, comment and reply in Support; Privileged so they can use
# REST2 collections (GET /users is forbidden to unprivileged users).
my @agent_rights = qw(SeeQueue ShowTicket ShowTicketComments OwnTicket TakeTicket
    StealTicket ModifyTicket CommentOnTicket ReplyToTicket CreateTicket Watch);
my %users = (
    sam   => ['sam@example.com',   'Sam Rivera',      \@agent_rights],
    priya => ['priya@example.com', 'Priya Natarajan', \@agent_rights],
    # Sees the queue but may not own tickets: setting Owner to her is refused.
    dana  => ['dana@example.com',  'Dana Observer',   [qw(SeeQueue ShowTicket)]],
);
my (%tokens, %ids);
for my $name (sort keys %users) {
    my ($email, $real, $rights) = @{ $users{$name} };
    my $user = RT::User->new($root);
    check("user $name", $user->Create(Name => $email, EmailAddress => $email,
        RealName => $real, Privileged => 1, Password => 'password-' . $name));
    for my $right (@$rights) {
        check("right $right for $name",
            $user->PrincipalObj->GrantRight(Right => $right, Object => $queue));
    }
    my $token = RT::AuthToken->new($root);
    my ($ok, $msg, $authstring) = $token->Create(Owner => $user->id, Description => 'tests');
    check("token for $name", $ok, $msg);
    $tokens{$email} = $authstring;
    $ids{$email} = $user->id;
}
my $roottoken = RT::AuthToken->new($root);
my ($ok, $msg, $rootauth) = $roottoken->Create(Owner => $root->id, Description => 'tests');
check('token for root', $ok, $msg);
$tokens{root} = $rootauth;

# Tickets: a requestor outside the team, so the SLA's Response deadline applies
# (AssumeOutsideActor in the site config). No SLA means no Due (RT shows 1970-01-01).
my @tickets = (
    ['VPN down for the whole office', 90, 'P1'],
    ['Invoice PDF missing',           50, 'P2'],
    ['Password reset request',        20, 'P3'],
    ['Printer on floor 2 jams',       10, undef],
    ['Feature idea: dark mode',        0, undef],
);
my @ticket_ids;
for my $t (@tickets) {
    my ($subject, $priority, $sla) = @$t;
    my $ticket = RT::Ticket->new($root);
    my ($id, $txn, $err) = $ticket->Create(Queue => $queue->id, Subject => $subject,
        Priority => $priority, Requestor => ['customer@example.org'],
        ($sla ? (SLA => $sla) : ()),
        MIMEObj => MIME::Entity->build(Type => 'text/plain', Charset => 'UTF-8',
            Data => ["Seeded ticket: $subject\n"]));
    check("ticket $subject", $id, $err);
    push @ticket_ids, $id + 0;
}

print JSON->new->canonical->encode({tokens => \%tokens, user_ids => \%ids,
    queue => 'Support', queue_id => $queue->id + 0, tickets => \@ticket_ids}), "\n";
