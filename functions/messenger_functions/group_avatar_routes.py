"""`POST /set_group_avatar`: an admin names the group's picture (issue 17).

The picture itself is uploaded by the app to the group's Storage area
(`groups/{groupId}/{cap}/{uid}/{file}`, storage.rules); the group record is written by this
function only, so this route is what makes it the group's picture. Admin-only; the path must
be an object the caller uploaded to this very group (no other group's, no one else's, nothing
outside `groups/`) and stored there now (404 otherwise: a name alone would show every member
a broken picture; 503 when Storage cannot say); "" removes the picture.
"""

from __future__ import annotations

from pydantic import Field

from . import groups
from .group_models import ChatId
from .http import Call, Route
from .models import StatusOk, _Model


class SetGroupAvatarRequest(_Model):
    chat_id: str = ChatId
    path: str = Field(max_length=512, description=(
        "The picture's object name, `groups/{chat_id}/{cap}/{your uid}/{file}`, "
        "uploaded by you; empty to remove the picture."))


def set_group_avatar(call: Call) -> StatusOk:
    body: SetGroupAvatarRequest = call.body
    assert call.uid is not None
    groups.set_avatar(body.chat_id, call.uid, body.path)
    return StatusOk(status="ok")


ROUTES: list[Route] = [
    Route("POST", "/set_group_avatar", set_group_avatar,
          "Set or remove a group's picture (owner or admin)", StatusOk,
          body=SetGroupAvatarRequest, errors=(400, 403, 404, 413, 503)),
]
