"""The live dashboard (``soc serve``) from Python. Rust: the ``soc-serve`` crate."""

import os
from types import TracebackType
from typing import Any, Literal, final, overload

@final
class Dashboard:
    """A dashboard serving in the background (``serve(..., block=False)``)."""

    @property
    def url(self) -> str: ...
    @property
    def running(self) -> bool: ...
    def stop(self) -> None: ...
    def __enter__(self) -> Dashboard: ...
    def __exit__(
        self,
        a: type[BaseException] | None,
        b: BaseException | None,
        c: TracebackType | None,
    ) -> bool: ...

@overload
def serve(
    config: str | os.PathLike[str] | dict[str, Any],
    listen: str = "127.0.0.1:8080",
    *,
    state: str | os.PathLike[str] | None = None,
    user: str | None = None,
    block: Literal[True] = True,
) -> None: ...
@overload
def serve(
    config: str | os.PathLike[str] | dict[str, Any],
    listen: str = "127.0.0.1:8080",
    *,
    block: Literal[False],
    state: str | os.PathLike[str] | None = None,
    user: str | None = None,
) -> Dashboard: ...
