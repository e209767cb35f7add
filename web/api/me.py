"""/api/v1/me: who the token or session belongs to, so a client can check its credentials."""

from __future__ import annotations

from flask.views import MethodView

from aimi.web.api.access import actor, signed_in
from aimi.web.api.errors import blueprint
from aimi.web.api.schemas import MeSchema

blp = blueprint("api_me", __name__, description="The signed-in user.")


@blp.route("")
class Me(MethodView):
    @signed_in
    @blp.response(200, MeSchema)
    def get(self):
        """The caller's account, roles and college."""
        return actor()
