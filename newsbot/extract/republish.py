"""Text-level rules for republished copies: what a copying script leaves that markup cannot tell.

Sites that re-post other sites' articles (WordPress republishers of RT, see the reference's
section 2) leave traces in plain text: the original's lead glued to its headline, a caption with
its credit after a "©", teasers half removed (title, title, "Read more", title), a closing
"Source" link. Each rule here is a pure function of text; extraction feeds it paragraphs and the
body's links (text, href), and records the "text" layer for every field a rule produced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from newsbot.extract.generic import is_boilerplate_line
from newsbot.text import normalize_key, normalize_line

# "Read more" teaser labels. With a colon the line is a teaser by itself ("READ MORE: title"); without
# one, only where the title after it echoes a neighbouring line (a half-removed teaser box).
READ_MORE = re.compile(
    r"^(?:read more|also on [\w.-]+|читайте также|читать также|по теме)(?P<colon>\s*:)?\s*(?P<headline>.*)$",
    re.IGNORECASE,
)
# The closing attribution a copying script appends: "Source", alone or with the original's name.
SOURCE_LINE = re.compile(r"^(?:source|источник|первоисточник|джерело|quelle|fuente)\s*(?::\s*(?P<name>.{1,60}))?$",
                         re.IGNORECASE)
# WordPress chrome and widgets in plain text (comment form, back-to-top, the "Contact us" callback
# widget), English and Russian: never article text.
CHROME_LINES = tuple(re.compile(pattern, re.IGNORECASE) for pattern in (
    r"^(?:добавить комментарий|оставить комментарий|leave a (?:reply|comment))$",
    r"^(?:ваш адрес email не будет опубликован|your email address will not be published)\b",
    r"^(?:кнопка «наверх»|back to top(?: button)?)$",
    r"^(?:свяжитесь с нами|contact us)$",
    r"^leave your phone number\b",
    r"^(?:callback request|email) sent!",
    r"^error sending (?:callback request|email)!",
    r"^write an? email to us!?$",
    r"^(?:похожие статьи|related (?:articles|posts))$",
))
# Boilerplate families a copy keeps: the original's note of where it first appeared is its text.
COPY_KEEPS = frozenset({"republication notes"})


def split_glued_headline(text: str, headline: str) -> str | None:
    """``text`` without a copy of ``headline`` glued to its end (or start), or None when it has
    none. Copying scripts write the lead and then the cover image's alt, which is the headline,
    with no space: "...across the borderRussia urges India and Pakistan to exercise restraint"."""
    text, headline = normalize_line(text), normalize_line(headline)
    if not headline or len(text) <= len(headline):
        return None
    if text.endswith(headline):
        rest = text[: -len(headline)]
    elif text.startswith(headline):
        rest = text[len(headline):]
    else:
        return None
    return normalize_line(rest) or None


def split_credit(caption: str) -> tuple[str | None, str | None]:
    """(caption, credit) of a caption that carries its credit after a "©", as RT's caption spans
    read once the markup is gone: "FILE PHOTO: ... May 4, 2025. ©  Nasir Kachroo / NurPhoto".
    The credit is None when there is no "©"."""
    text, mark, credit = caption.rpartition("©")
    if not mark:
        return normalize_line(caption) or None, None
    return normalize_line(text) or None, normalize_line(credit) or None


def is_chrome_line(paragraph: str) -> bool:
    return any(pattern.search(paragraph) for pattern in CHROME_LINES)


def take_teasers(paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """(paragraphs without teasers, teaser headlines in order). A teaser is a "READ MORE: title"
    line, or what a non-greedy regex leaves of a teaser box: "Read more" next to its title, with
    the title's echoes on the lines around it (the seed: title, title, "Read more", title)."""
    kept: list[str] = []
    headlines: list[str] = []
    index = 0
    while index < len(paragraphs):
        match = READ_MORE.match(paragraphs[index])
        if not match:
            kept.append(paragraphs[index])
            index += 1
            continue
        # "Read more" alone: the title is the next line, if the line before echoes it.
        headline = match.group("headline") or (paragraphs[index + 1] if index + 1 < len(paragraphs) else "")
        key = normalize_key(headline)
        echoes = 0
        while key and echoes < len(kept) and normalize_key(kept[-1 - echoes]) == key:
            echoes += 1
        index += 1
        if not echoes and not match.group("colon"):
            if match.group("headline"):
                kept.append(paragraphs[index - 1])  # "Read more about ..." in a sentence: article text
            continue  # a bare "Read more" with no teaser around it: a label, dropped
        del kept[len(kept) - echoes:]
        while index < len(paragraphs) and normalize_key(paragraphs[index]) == key:
            index += 1
        headlines.append(headline)
    return kept, headlines


@dataclass
class CopyText:
    """A copy's text after the rules: what changed, and what was taken out of the body."""

    paragraphs: list[str]
    summary: str | None
    related: list[tuple[str, str | None]] = field(default_factory=list)  # (headline, href or None)
    source_link: str | None = None  # the href of the closing "Source" line


def clean_copy(paragraphs: list[str], headline: str, summary: str | None,
               links: list[tuple[str, str]]) -> CopyText:
    """Apply every rule to a copy's body and lead. ``links`` are the body's (text, href) in order:
    they give the teasers and the source line their URLs."""
    paragraphs = list(paragraphs)
    if summary and (lead := split_glued_headline(summary, headline)):
        summary = lead
    if paragraphs and (lead := split_glued_headline(paragraphs[0], headline)):
        paragraphs[0] = lead  # the glued lead opens the body when the theme has no subtitle
        summary = summary or lead
    paragraphs, headlines = take_teasers([text for text in paragraphs if not is_chrome_line(text)])
    unused = list(links)
    related = [(title, _take_link(unused, title)) for title in headlines]
    source_link = None
    for index in range(len(paragraphs) - 1, -1, -1):
        match = SOURCE_LINE.match(paragraphs[index])
        if match:
            source_link = _take_link(unused, match.group("name") or paragraphs[index])
            del paragraphs[index]
            break
    # What is never article text on any site (newsbot.extract.generic), once teasers and the
    # source line, which those rules would also drop, have given their links. The original's
    # own note of where it first appeared stays: a copy's body is the original's, word for word.
    paragraphs = [text for text in paragraphs if not is_boilerplate_line(text, keep=COPY_KEEPS)]
    return CopyText(paragraphs, summary, related, source_link)


def _take_link(links: list[tuple[str, str]], text: str) -> str | None:
    """The href of the first unused link whose text ends with ``text`` ("READ MORE: title" links
    end with the title); it is used up, so a title repeated later gets its own link."""
    key = normalize_key(text)
    for index, (link_text, href) in enumerate(links):
        link_key = normalize_key(link_text)
        if key and (link_key == key or link_key.endswith(" " + key)):
            del links[index]
            return href
    return None
