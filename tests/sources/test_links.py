"""The Link header parser (RFC 8288) on the shapes servers send, well-formed or not."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from traysupport.sources.links import MAX_LINKS, Link, find_link, parse_links

GITHUB = (
    '<https://api.github.com/repositories/1/issues?page=2>; rel="next", '
    '<https://api.github.com/repositories/1/issues?page=5>; rel="last"'
)
SENTRY = (
    "<https://sentry.io/api/0/organizations/acme/issues/?&cursor=0:0:1>; "
    'rel="previous"; results="false"; cursor="0:0:1", '
    "<https://sentry.io/api/0/organizations/acme/issues/?&cursor=0:100:0>; "
    'rel="next"; results="true"; cursor="0:100:0"'
)


def test_github_links() -> None:
    assert parse_links(GITHUB) == [
        Link("https://api.github.com/repositories/1/issues?page=2", {"rel": "next"}),
        Link("https://api.github.com/repositories/1/issues?page=5", {"rel": "last"}),
    ]


def test_sentry_links_keep_their_extra_params() -> None:
    following = find_link(SENTRY, "next")
    assert following is not None
    assert following.target.endswith("cursor=0:100:0")
    assert following.params == {"rel": "next", "results": "true", "cursor": "0:100:0"}


def test_commas_and_semicolons_inside_the_target_and_quotes() -> None:
    header = '<https://x.test/a?q=1,2;3>; rel="next"; title="one, two; three", </b>; rel=last'
    links = parse_links(header)
    assert [link.target for link in links] == ["https://x.test/a?q=1,2;3", "/b"]
    assert links[0].params["title"] == "one, two; three"
    assert links[1].rels == {"last"}


def test_several_relation_types_any_case_unquoted_or_quoted() -> None:
    header = '</p2>; REL="Next Last", </p3>;rel=prev'
    assert find_link(header, "next") == find_link(header, "LAST")
    assert find_link(header, "next") == Link("/p2", {"rel": "Next Last"})
    assert find_link(header, "prev") == Link("/p3", {"rel": "prev"})
    assert find_link(header, "first") is None


def test_escapes_in_quoted_values_and_spaces_around_equals() -> None:
    header = r'</p>; title = "say \"hi\" \\ there" ; rel = "next"'
    assert parse_links(header) == [Link("/p", {"title": 'say "hi" \\ there', "rel": "next"})]


def test_a_repeated_rel_keeps_the_first() -> None:
    # RFC 8288 §3.3: occurrences after the first MUST be ignored by parsers.
    assert find_link('</a>; rel="prev"; rel="next"', "next") is None


def test_junk_is_skipped_and_the_rest_kept() -> None:
    header = 'garbage "with, a comma", </ok>; rel=next junk; more, ; , <>; rel=x'
    links = parse_links(header)
    assert links[0] == Link("/ok", {"rel": "next"})
    assert links[-1] == Link("", {"rel": "x"})


def test_junk_is_skipped_whole_even_with_commas_in_brackets_or_quotes() -> None:
    header = 'x <a,</bad>; rel=next> "q,</bad2>; rel=next", </ok>; rel=next'
    assert parse_links(header) == [Link("/ok", {"rel": "next"})]


def test_repeated_headers_joined_by_requests() -> None:
    # requests joins repeated Link headers with ", ".
    joined = '</a>; rel="prev", </b>; rel="next"'
    assert find_link(joined, "next") == Link("/b", {"rel": "next"})


def test_unterminated_parts_end_the_header_without_error() -> None:
    assert parse_links("</a") == []
    assert parse_links('</a>; title="never closed, rel=next') == [
        Link("/a", {"title": "never closed, rel=next"})
    ]
    assert parse_links("") == []


def test_at_most_max_links_are_read() -> None:
    header = ", ".join(f"</p{n}>; rel=item" for n in range(MAX_LINKS + 10))
    assert len(parse_links(header)) == MAX_LINKS


@given(st.text(alphabet='<>;,="\\ \tarelnxt/:?&0', max_size=200))
def test_any_header_parses_without_raising(header: str) -> None:
    for link in parse_links(header):
        assert ">" not in link.target
        assert all(name == name.lower() for name in link.params)
