"""API schemas of the people register; other apps import PersonOut for embedded people."""

import datetime as dt

from django.utils import timezone
from ninja import Field, Schema

from lehuo.platform.api.types import Date, Int


class PersonIn(Schema):
    name: str = Field(..., min_length=1, max_length=50)
    sex: str | None = Field(None, pattern="^[MF]?$")
    id_type: str | None = None
    id_number: str | None = Field(None, max_length=40)
    birth_date: Date | None = None
    phone: str | None = Field(None, max_length=30)
    address: str | None = Field(None, max_length=200)
    neighbourhood_id: Int | None = None
    tags: list[str] = Field(default_factory=list, max_length=30)


class PersonPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=50)
    sex: str | None = Field(None, pattern="^[MF]?$")
    id_type: str | None = None
    id_number: str | None = Field(None, max_length=40)
    birth_date: Date | None = None
    phone: str | None = Field(None, max_length=30)
    address: str | None = Field(None, max_length=200)
    neighbourhood_id: Int | None = None
    tags: list[str] | None = Field(None, max_length=30)


class PersonOut(Schema):
    id: int
    name: str
    sex: str
    birth_date: dt.date | None
    age: int | None
    neighbourhood_id: int | None
    tags: list[str]
    id_number_masked: str
    phone_masked: str

    @staticmethod
    def resolve_age(obj) -> int | None:
        return obj.age(timezone.localdate())

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return [t.name for t in obj.tags.all()]

    # The kept masked copies (Person.id_number_mask): a list of people need not decrypt them.
    @staticmethod
    def resolve_id_number_masked(obj) -> str:
        return obj.id_number_mask

    @staticmethod
    def resolve_phone_masked(obj) -> str:
        return obj.phone_mask


class RevealOut(Schema):
    id_number: str
    phone: str


class OrganisationIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    kind: str = "other"
    neighbourhood_id: Int | None = None
    contact_name: str | None = Field(None, max_length=50)
    contact_phone: str | None = Field(None, max_length=30)


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str
    neighbourhood_id: int | None
