"""API schemas of the town structure."""

from ninja import Field, Schema

from lehuo.platform.api.types import Int


class NeighbourhoodIn(Schema):
    code: str = Field(..., min_length=1, max_length=20)
    name: str = Field(..., min_length=1, max_length=50)
    households: Int | None = Field(None, ge=0, le=100000)


class NeighbourhoodOut(Schema):
    id: int
    code: str
    name: str
    households: int | None = None
