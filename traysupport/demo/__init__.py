"""The embedded demo team: a real team-API server on 127.0.0.1 with a scripted scenario.

It is what traysupport talks to when nothing is configured, and a real server for tests.
`script` is the cast and the timeline, `scenario` the team's state played along it (pure,
with an injected clock), `shapes` its tickets and answers in the team API's JSON, `server`
the team API over HTTP, and `wire` its socket side.
"""

from traysupport.demo.scenario import DemoTeam
from traysupport.demo.script import ME, TEAM
from traysupport.demo.server import BASE_PATH, DemoServer, serve_forever
from traysupport.demo.shapes import DemoError

__all__ = ["BASE_PATH", "ME", "TEAM", "DemoError", "DemoServer", "DemoTeam", "serve_forever"]
