"""Local development: `make run`. SQLite under var/ and the embedded Redis unless set otherwise."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
