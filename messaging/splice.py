"""Editing one passage of a body in place: pure, no database.

A passage's text is its exact Markdown source (messaging.passages), but the same text may
stand in a body more than once (a repeated call to action), so "find the text" can hit
the wrong copy. The passages are located in document order instead:

1. Walk the version's passages by position with a cursor into the body; each passage is
   looked for from the cursor, and the cursor moves past it.
2. The passage at the wanted position is replaced where the walk found it: the second of
   two identical paragraphs is the second occurrence, never the first.
3. Replacing with "" removes the passage, and the blank lines it leaves collapse, so the
   body keeps one blank line between blocks.
"""


class PassageNotFound(ValueError):
    """The passage is not in the body (the body and its passages disagree)."""


def passage_splice(body: str, passage_texts: list[str], index: int, new_text: str) -> str:
    """`body` with the passage at `index` (of `passage_texts`, in document order)
    replaced by `new_text`; "" removes it."""
    cursor = 0
    start = -1
    for position, text in enumerate(passage_texts[: index + 1]):
        found = body.find(text, cursor)
        if found < 0:
            if position == index:
                raise PassageNotFound("That passage is no longer in the draft.")
            continue
        start, cursor = found, found + len(text)
    body = body[:start] + new_text + body[cursor:]
    if not new_text:
        body = "\n\n".join(part.strip("\n") for part in body.split("\n\n") if part.strip())
    return body
