"""The last layer: site-independent extraction for pages (or fields) no selector covers.

Body: trafilatura, the reference open-source extractor, finds the main text (fast and favouring
recall, on the tree the page was already parsed into); newsbot then drops, block by block, what
is not the article: the headline and the header's standfirst repeated on top, teaser headlines
and teaser lists, calls to action, credits, copyright and time-stamp lines. When that text misses
most of a JSON-LD articleBody the page states, the JSON-LD layer gives the body instead.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache

from lxml import etree

from newsbot.evaluation import score_page
from newsbot.extract.page import Page
from newsbot.text import normalize_key, normalize_line

logging.getLogger("trafilatura").setLevel(logging.ERROR)  # it logs every page it finds thin
logging.getLogger("htmldate").setLevel(logging.ERROR)

TITLE_SEPARATOR = re.compile(r"\s+[|—–-]\s+[^|—–-]+$")
SHORT_LINE_WORDS = 40  # boilerplate lines are short; a longer paragraph is never dropped by pattern
SENTENCE_END = re.compile(r"[.!?…:;][\"'”’»)\]]*$")
URL_LIKE = re.compile(r"https?://|www\.|\S@\S", re.IGNORECASE)
CITATION = re.compile(r"^\[\d+\]")  # a numbered reference: linked, but article text

MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
DATE = rf"({MONTH} \d{{1,2}}(st|nd|rd|th)?,? \d{{4}}|\d{{1,2}}(st|nd|rd|th)? {MONTH},? \d{{4}}|\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}})"
PRICE = r"\S{0,4} ?\d[\d.,]*( ?\S{0,4})?"  # "$3", "N$85", "Rs 599", "4,99 €"
# Lines that are never article text, whatever the site, by family: each family is one pattern of
# page furniture (stated in several languages where the benchmarks show them) and is kept only
# while it helps on pages of at least three sites (`python bench/extraction.py --ablate`).
# Only short lines are tested.
BOILERPLATE_FAMILIES: dict[str, tuple[str, ...]] = {
    "call to action": (
        r"\bclick(ing)? (here|to tweet)\b",
        r"^(subscribe|sign up|register|join|download|get|follow|like us)\b.*\b(newsletter|inbox|app|podcast|youtube|"
        r"facebook|twitter|instagram|updates|alerts|our (free )?\w+)\b",
        r"\bnewsletter\b.{0,80}$",
        r"\byour inbox\b",
        r"^(thanks|thank you) for (signing up|subscribing|your interest)\b",
        r"\b(error (has )?occurred|error processing|please try again)\b",
        r"^(sorry|thank you)!?$",
        r"\brequires javascript\b",
        # notices: a story still developing, an invitation to the comments
        r"^this (is a )?(breaking|developing) (news )?stor(y|ies)\b|\bmore to follow\.?$|\bjoin (the|thought-provoking) "
        r"conversations?\b",
        r"^(jetzt )?(abonnieren|anmelden|registrieren)\b.{0,60}$|^(inscrivez-vous|abonnez-vous|suscr[ií]bete)\b",
    ),
    "copyright": (
        r"(©|\(c\)|\bcopyright\b).{0,80}(\d{4}|reserved)|\ball rights reserved\b|\balle rechte vorbehalten\b",
        r"\bnon-commercial use only\b",
    ),
    "credits and contacts": (
        r"^(additional )?(reporting|writing|editing|compiled|produced) by\b",
        r"\bcontributed (reporting )?to this (report|story|article)\b",
        r"^(write to|reach|contact|email|follow)\b.{0,80}(@\w|https?://|\b(twitter|facebook|instagram)\b)",
        r"^(\S+@\S+\.\w+|(https?://)?(www\.)?(twitter|facebook|instagram|linkedin)\.com/\S+)$",
        r"^[\w ]{1,20}:\s*(https?://|www\.)\S+$",  # a label and a bare link: "Listen: http://..."
        # a photo credit: "Photo: Name / Agency", "STR/AFP via Getty Images"
        r"^((photo|image|picture|foto|bild)s?( credit)?\s*:.{0,120}|[\w .,/-]{0,40}\b(getty images|shutterstock|"
        r"ap photo|afp|epa|dpa|reuters)\b.{0,40})$",
    ),
    "box labels": (
        r"^(related|read more|more|see also|also read|read also|recommended|explore further|filed under|tags?|"
        r"topics|comments?|share( this)?( article| story)?|print( article)?|order reprints|advertisement|"
        r"source|quelle|fonte|fuente|źródło|kilde|källa|advert|text size|sharing is caring|\d* ?shares?|facebook|twitter|pinterest|linkedin|reddit|"
        r"whatsapp|flipboard|mix|telegram|email|(« )?previous (post|article)|next (post|article)( »)?|"
        r"anzeige|werbung|mehr zum thema|lesen sie (auch|mehr)|auch interessant|(à )?lire aussi|publicit[ée]|"
        r"lee también|leia também|relacionad[oa]s?|czytaj (więcej|też|także)|you might also like|most popular|"
        r"more stories|(more )?top stories|latest stories|most read|meist gelesen|join the conversation|"
        r"contact the author|etiketler|schlagwörter( zu diesem artikel)?|stichwörter|mots-clés|etiquetas|emneord|tagi)"
        r"\s*([:|]\s*(\S.{0,120})?)?$",
        r"^(« )?previous (post|article|story)\b.{0,60}\bnext (post|article|story)\b",
    ),
    # notes that this very text appeared elsewhere first or was translated (English, German)
    "republication notes": (
        r"\b(this|dieser|dieses) (article|story|piece|post|artikel|beitrag|text)\b.{0,80}\b(originally|first|zuerst|"
        r"erstmals|ursprünglich|im original)\b.{0,80}\b(appeared|published|ran|erschienen|veröffentlicht)\b",
        r"\b(read|lest|lesen sie) (the|den) original(artikel\b| article\b)",
        r"\bmachine[- ]translat|\bmaschinelle übersetzung\b|\b(automatisch|automatisiert) übersetzt\b",
    ),
    # an offer to pay for the publication: a price per period ("for as little as $3 a month",
    # "for only N$85 a month", "Rs 599 for first year"); tested at any length (ANY_LENGTH): such
    # appeals run long, and a price per period is not a news sentence's way to state a price.
    "subscription offers": (
        rf"\bfor (only|just|as little as) {PRICE}( (or|to) {PRICE})? ((a|per|each) (month|year|week)|for (the )?first "
        r"(month|year))\b",
        r"^(subscribe|abonnieren|abonnez-vous)( now| today| here| jetzt)?\s*[.!]*$",
    ),
    "time stamps": (
        r"^(updated|published|posted|last modified|aktualisiert|veröffentlicht|stand)( on| at| am)?\s*:?\s*\S.{0,40}\d",
        rf"^(\w+,? )?{DATE}\b.{{0,60}}$",
        # reading times: "5 min read", "Lesezeit: 3 Minuten", "temps de lecture", "tempo de leitura"
        r"\b\d+\s*(min|minute)s?\s+read\b|\breading time\b|\blesezeit\b|\btemps de lecture\b|"
        r"\b(tempo de leitura|tiempo de lectura)\b",
    ),
}
BOILERPLATE_LINES = {family: re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
                     for family, patterns in BOILERPLATE_FAMILIES.items()}
ANY_LENGTH = {"subscription offers"}  # families whose pattern is tested on paragraphs of any length
LIST_MARKER = re.compile(r"^[-*•–—]\s+")
MAX_KICKER_WORDS = 8
THIN_SHARE = 0.5
MIN_TEXT_WORDS = 30  # fewer words than this is no article text: navigation, a title  # a body holding less of the JSON-LD articleBody than this missed the article
# Language detection: shorter texts give guesses; longer ones say nothing more and cost more.
MIN_LANGUAGE_TEXT, MAX_LANGUAGE_TEXT, MIN_LANGUAGE_PROBABILITY = 200, 5000, 0.9


@dataclass
class Block:
    """A paragraph-level element of the extractor's output, with what the rules look at."""

    element: etree._Element
    text: str
    key: str
    is_link: bool  # the whole text is the text of one link of the page
    opening_link: str  # a link of the page the text opens with, a blurb following it ("" if none)

    @property
    def is_heading(self) -> bool:
        return self.element.tag == "head"

    def is_linked_title(self) -> bool:
        """A link on its own that reads as a headline."""
        return (self.is_link and _is_title(self.text) and not URL_LIKE.search(self.text)
                and not CITATION.match(self.text))

    def opens_with_teaser(self) -> bool:
        """A linked headline followed by its blurb, as in "more stories" lists."""
        return bool(self.opening_link) and _is_title(self.opening_link)


def _is_title(text: str) -> bool:
    return len(text.split()) >= 3 and not SENTENCE_END.search(text)


def generic_body(page: Page) -> list[str]:
    """Main text paragraphs: trafilatura's, less the blocks that are not the article."""
    body = _main_text(page)
    if body is None:
        return []
    _drop(_not_article(page, _blocks(body, _link_texts(page))))
    from trafilatura.xml import xmltotxt

    lines = (normalize_line(line) for line in xmltotxt(body, False).split("\n"))
    # The page's own address as a line is a print view's footer.
    kept = [line for line in lines if line and line != page.url and not is_boilerplate_line(line)]
    stated = page.article_data.get("articleBody")
    text = "\n".join(kept)
    # The JSON-LD layer gives the body where the page's own text is missing (a few words of
    # chrome), or shorter than it and missing most of it: a JSON-LD body that holds only the
    # teaser never replaces the page's text.
    if isinstance(stated, str) and stated.strip():
        if len(text.split()) < MIN_TEXT_WORDS or (
                len(stated) > len(text) and (score_page(stated, text).recall or 0) < THIN_SHARE):
            return []
    return kept


def is_boilerplate_line(line: str, keep: frozenset[str] = frozenset()) -> bool:
    """``line`` is page furniture by one of the families (those named in ``keep`` aside)."""
    line = LIST_MARKER.sub("", line)
    short = len(line.split()) <= SHORT_LINE_WORDS
    return any(pattern.search(line) for family, pattern in BOILERPLATE_LINES.items()
               if family not in keep and (short or family in ANY_LENGTH))


def _main_text(page: Page) -> etree._Element | None:
    import trafilatura

    tree = page.selector.root  # parsed once: trafilatura works on its own copy
    # Comments carry nothing for any field, and trafilatura would drop the text that follows each
    # one (lxml keeps it in the comment's tail): they go, their tails stay.
    etree.strip_elements(tree, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    options = dict(
        url=page.url,
        favor_recall=True,  # the rules below take out what recall lets in, and cost less than its doubts
        include_comments=False,
        include_tables=True,
        include_images=False,
        deduplicate=False,
    )
    # No second opinion from readability/justext: newsbot's rules below do better.
    document = trafilatura.bare_extraction(tree, fast=True, **options)
    return document.body if document is not None else None


def _link_texts(page: Page) -> dict[str, set[str]]:
    """The text of every link of the page, by its first word (the extractor's output keeps
    no links, and keeping them changes its text)."""
    texts: dict[str, set[str]] = {}
    for link in page.selector.root.iter("a"):
        words = "".join(link.itertext()).split()
        if words and link.get("href"):
            texts.setdefault(words[0], set()).add(" ".join(words))
    return texts


def _blocks(body: etree._Element, link_texts: dict[str, set[str]]) -> list[Block]:
    blocks = []
    for child in body:
        for element in child.iterchildren("item") if child.tag == "list" else (child,):
            text = " ".join("".join(element.itertext()).split())  # spaced as the link texts are
            if not text:
                continue
            links = link_texts.get(text.split(maxsplit=1)[0], ())
            # Spaced at element boundaries: a linked title and the blurb after it are two elements.
            spaced = " ".join(" ".join(element.itertext()).split())
            opening = max((link for link in links if _opens(spaced, link) or _opens(text, link)), key=len, default="")
            blocks.append(Block(element, text, normalize_key(text), text in links, opening))
    return blocks


def _opens(text: str, link: str) -> bool:
    """``text`` opens with ``link`` and goes on after a space, or glued to a new word ("...stallWhat")."""
    rest = text[len(link):len(link) + 1] if text.startswith(link) else ""
    return rest == " " or (rest.isupper() and link[-1:].isalnum())


def _not_article(page: Page, blocks: list[Block]) -> list[Block]:
    """The blocks to drop: headline and standfirst on top, teasers and teaser lists."""
    headlines = _headline_keys(page)
    summaries = _summary_keys(page)
    dropped: list[Block] = []
    on_top = True  # nothing but the headline (and a standfirst heading) seen so far
    for index, block in enumerate(blocks):
        if _matches(block.key, headlines) or _is_kicker_and_headline(block, headlines):
            dropped.append(block)
            continue
        if on_top and index and block.is_heading and _matches(block.key, summaries, prefix=True):
            dropped.append(block)  # the header's standfirst, not the article's first paragraph
        elif _is_teaser(index, blocks) or _in_teaser_list(block, blocks) or _in_labelled_list(index, blocks):
            dropped.append(block)
        on_top = False
    return dropped


def _is_kicker_and_headline(block: Block, headlines: set[str]) -> bool:
    """The headline with its kicker before it, in one heading ("Dream team in form Headline")."""
    return block.is_heading and any(
        len(headline.split()) >= 3 and block.key.endswith(" " + headline)
        and len(block.key.split()) - len(headline.split()) <= MAX_KICKER_WORDS for headline in headlines)


def _is_teaser(index: int, blocks: list[Block]) -> bool:
    """A linked headline standing as a paragraph, or in a run of them: teasers for other pages.
    A linked heading with prose after it is the article's own (a product in a buying guide)."""
    block = blocks[index]
    if not block.is_linked_title():
        return False
    neighbours = blocks[max(0, index - 1):index] + blocks[index + 1:index + 2]
    return not block.is_heading or any(other.is_linked_title() for other in neighbours)


def _in_teaser_list(block: Block, blocks: list[Block]) -> bool:
    """An item of a list whose every item opens with a linked headline and goes on with a
    blurb: "more stories", never the article's own list."""
    parent = block.element.getparent()
    if parent is None or parent.tag != "list":
        return False
    items = [other for other in blocks if other.element.getparent() is parent]
    return len(items) >= 2 and all(item.opens_with_teaser() for item in items)


def _in_labelled_list(index: int, blocks: list[Block]) -> bool:
    """An item of a list that a box label opens ("You might also like", "Related"): as the
    list's first text, or as the line just before the list. A box of links to other pages."""
    parent = blocks[index].element.getparent()
    if parent is None or parent.tag != "list":
        return False
    opening = next((text.strip() for text in parent.itertext() if text.strip()), "")
    first = next(i for i, other in enumerate(blocks) if other.element.getparent() is parent)
    return _is_box_label(opening) or (first > 0 and _is_box_label(blocks[first - 1].text))


def _is_box_label(text: str) -> bool:
    labels = BOILERPLATE_LINES.get("box labels")  # absent only while bench/extraction.py --ablate measures it
    return bool(labels and labels.search(LIST_MARKER.sub("", text)))


def _headline_keys(page: Page) -> set[str]:
    title = page.selector.xpath("//title/text()").get() or ""
    candidates = [
        page.article_data.get("headline"), page.meta.get("og:title"), page.meta.get("twitter:title"),
        title, TITLE_SEPARATOR.sub("", normalize_line(title)),
        page.selector.xpath("string(//h1)").get(),
    ]
    return {key for key in (normalize_key(c) for c in candidates if isinstance(c, str)) if key}


def _summary_keys(page: Page) -> set[str]:
    candidates = (page.article_data.get("description"), page.meta.get("og:description"),
                  page.meta.get("description"), page.meta.get("twitter:description"))
    return {key for key in (normalize_key(c) for c in candidates if isinstance(c, str)) if key}


def _matches(key: str, candidates: set[str], prefix: bool = False) -> bool:
    """``key`` is one of ``candidates``; with ``prefix``, also when one was cut short (meta
    descriptions often are) and the shorter, less its last word, opens the longer."""
    if key in candidates:
        return True
    if not prefix:
        return False
    for candidate in candidates:
        shorter, longer = sorted((key, candidate), key=len)
        opening = shorter.rsplit(" ", 1)[0]
        if len(opening.split()) >= 5 and longer.startswith(opening):
            return True
    return False


def _drop(blocks: list[Block]) -> None:
    for block in blocks:
        parent = block.element.getparent()
        if parent is None:
            continue
        parent.remove(block.element)
        if parent.tag == "list" and not len(parent) and parent.getparent() is not None:
            parent.getparent().remove(parent)


def generic_headline(page: Page, suffix: re.Pattern[str] | None = None) -> str | None:
    title = page.selector.xpath("//title/text()").get() or page.selector.xpath("//h1").xpath("string()").get()
    if not title:
        return None
    title = normalize_line(title)
    return (suffix or TITLE_SEPARATOR).sub("", title) or title


def generic_published(page: Page) -> str | None:
    """A date from the page's markup (meta tags, JSON, dated elements, URL) by htmldate, without
    its extensive search of the text."""
    from htmldate import find_date

    return find_date(page.selector.root, url=page.url, extensive_search=False, outputformat="%Y-%m-%dT%H:%M:%S%z")


def detected_language(text: str) -> str | None:
    """The language of ``text`` (ISO 639-1) by py3langid, when the text is long enough to tell
    and the guess is sure."""
    if len(text) < MIN_LANGUAGE_TEXT:
        return None
    language, probability = _language_identifier().classify(text[:MAX_LANGUAGE_TEXT])
    return language if probability >= MIN_LANGUAGE_PROBABILITY else None


@cache
def _language_identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
