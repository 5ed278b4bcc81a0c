"""Reproductions behind learnings/pydantic_v2.xml.

Documentation of how each symptom text was measured; not part of the test run.

    pip install pydantic
    python tests/repro/pydantic_v2_pitfalls.py CASE

Measured with CPython 3.11.7 and pydantic 2.5.3 and 2.14.4 (same first lines; the
errors.pydantic.dev links carry the minor version, e.g. .../2.14/v/missing):

orm_mode        pydantic-v2-orm-mode-renamed-from-attributes
    UserWarning: Valid config keys have changed in V2:
    * 'orm_mode' has been renamed to 'from_attributes'
    pydantic.errors.PydanticUserError: You must set the config attribute
    `from_attributes=True` to use from_orm
validate_orm    pydantic-v2-orm-mode-renamed-from-attributes
    pydantic_core._pydantic_core.ValidationError: 1 validation error for AuthorOut
      Input should be a valid dictionary or instance of AuthorOut [type=model_type, ...]
validator       pydantic-v2-v1-style-validators
    PydanticDeprecatedSince20: Pydantic V1 style `@validator` validators are deprecated. ...
root_validator  pydantic-v2-v1-style-validators
    pydantic.errors.PydanticUserError: If you use `@root_validator` with pre=False (the
    default) you MUST specify `skip_on_failure=True`. ...
config_dict     pydantic-v2-deprecated-v1-methods
    PydanticDeprecatedSince20: Support for class-based `config` is deprecated, use
    ConfigDict instead. ...
    PydanticDeprecatedSince20: The `dict` method is deprecated; use `model_dump` instead. ...
    PydanticDeprecatedSince20: The `parse_obj` method is deprecated; use `model_validate`
    instead. ...
optional        pydantic-v2-optional-is-required
    pydantic_core._pydantic_core.ValidationError: 1 validation error for Author
    nickname
      Field required [type=missing, input_value={'name': 'Ursula'}, input_type=dict]
base_settings   pydantic-v2-basesettings-moved
    pydantic.errors.PydanticImportError: `BaseSettings` has been moved to the
    `pydantic-settings` package. See https://docs.pydantic.dev/2.14/migration/... for more
    details.
regex           pydantic-v2-field-regex-removed
    pydantic.errors.PydanticUserError: `regex` is removed. use `pattern` instead
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass
from typing import Optional

from pydantic import BaseModel


@dataclass
class AuthorRow:  # stands in for an ORM object: attributes, not a dict
    id: int
    name: str


def orm_mode() -> None:
    class AuthorOut(BaseModel):
        id: int
        name: str

        class Config:
            orm_mode = True  # the v1 spelling: ignored, with a warning

    AuthorOut.from_orm(AuthorRow(1, "Ursula"))


def validate_orm() -> None:
    class AuthorOut(BaseModel):
        id: int
        name: str

    AuthorOut.model_validate(AuthorRow(1, "Ursula"))


def validator() -> None:
    from pydantic import validator as v1_validator

    class Author(BaseModel):
        name: str

        @v1_validator("name")
        def strip(cls, value: str) -> str:
            return value.strip()


def root_validator() -> None:
    from pydantic import root_validator as v1_root_validator

    class Author(BaseModel):
        name: str

        @v1_root_validator
        def check(cls, values: dict[str, object]) -> dict[str, object]:
            return values


def config_dict() -> None:
    class Author(BaseModel):
        name: str

        class Config:
            frozen = True

    author = Author.parse_obj({"name": "Ursula"})
    print(author.dict())


def optional() -> None:
    class Author(BaseModel):
        name: str
        nickname: Optional[str]  # noqa: UP045 - the v1 idiom is the point

    Author(name="Ursula")


def base_settings() -> None:
    from pydantic import BaseSettings  # noqa: F401


def regex() -> None:
    from pydantic import Field

    class Author(BaseModel):
        code: str = Field(regex=r"^[A-Z]{3}$")


def fixed() -> None:
    """The v2 spellings of everything above: runs without a warning or an error."""
    from pydantic import ConfigDict, Field, field_validator, model_validator
    from pydantic_settings import BaseSettings  # pip install pydantic-settings

    class AuthorOut(BaseModel):
        model_config = ConfigDict(from_attributes=True, frozen=True)

        id: int
        name: str
        nickname: Optional[str] = None  # noqa: UP045 - optional AND defaulted
        code: str = Field(default="ABC", pattern=r"^[A-Z]{3}$")

        @field_validator("name")
        @classmethod
        def strip(cls, value: str) -> str:
            return value.strip()

        @model_validator(mode="after")
        def check(self) -> AuthorOut:
            return self

    class Settings(BaseSettings):
        debug: bool = False

    author = AuthorOut.model_validate(AuthorRow(1, " Ursula "))
    print(author.model_dump(), Settings().debug)


CASES = {
    f.__name__: f
    for f in (
        orm_mode,
        validate_orm,
        validator,
        root_validator,
        config_dict,
        optional,
        base_settings,
        regex,
        fixed,
    )
}

if __name__ == "__main__":
    warnings.simplefilter("default")
    CASES[sys.argv[1]]()
