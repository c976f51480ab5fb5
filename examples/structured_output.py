"""Structured output with ChatLMStudio: json_schema (default), function_calling and json_mode.

Run: python -m examples.structured_output
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from examples._connect import Target, connect
from langchain_lmstudio import ChatLMStudio


class Movie(BaseModel):
    """A movie mentioned in the text."""

    title: str = Field(description="The movie's title")
    year: int = Field(description="Release year")


def main(target: Target | None = None) -> dict[str, Any]:
    """Extract with each method; return what each produced."""
    if target is None:
        with connect() as found:
            return main(found)
    llm = ChatLMStudio(model=target.chat_model, base_url=target.base_url, temperature=0)
    text = "Blade Runner came out in 1982."
    results: dict[str, Any] = {}
    results["json_schema"] = llm.with_structured_output(Movie).invoke(text)
    results["function_calling"] = llm.with_structured_output(
        Movie, method="function_calling"
    ).invoke(text)
    raw = llm.bind(max_tokens=64).with_structured_output(
        Movie, method="json_schema", include_raw=True
    )
    results["include_raw"] = raw.invoke(text)
    for method, value in results.items():
        print(f"{method:>16}: {value!r}")
    return results


if __name__ == "__main__":
    main()
