"""Russian-language articles for the RT replica: the pages that encodings are tested with."""

from __future__ import annotations

import random
from datetime import datetime, timezone

from newsbot.replica import FeedArticle

# Every letter of the alphabet (ё, ъ, щ, э ... included), so every mis-decoding shows.
PANGRAM = "Съешь же ещё этих мягких французских булок, да выпей чаю."
WORDS = (
    "президент правительство министр губернатор депутат совещание заседание решение указ закон "
    "бюджет экономика промышленность сельское хозяйство транспорт дорога мост железная магистраль "
    "аэропорт порт северный морской путь регион область край республика город село столица "
    "граница безопасность оборона армия флот учения переговоры соглашение договор санкции "
    "нефть газ уголь электроэнергия атомная станция строительство ремонт жильё школа больница "
    "врач учитель студент университет наука исследование космос спутник ракета запуск "
    "погода мороз снегопад наводнение пожар спасатели полиция суд приговор расследование "
    "выборы голосование партия оппозиция митинг заявление интервью пресс-секретарь "
    "Москва Петербург Новосибирск Екатеринбург Казань Владивосток Калининград Мурманск "
    "вчера сегодня завтра ранее позднее впервые ежегодно объём рост снижение процент "
    "тысяча миллион миллиард рубль доллар евро курс инфляция ставка банк кредит"
).split()


def _sentence(rng: random.Random) -> str:
    words = rng.sample(WORDS, rng.randint(8, 14))
    return " ".join(words).capitalize() + "."


def russian_article(article_id: int, slug: str, published: datetime) -> FeedArticle:
    """A Russian-text article of the "russia" section, built like a feed entry of RT. Its text
    is drawn from ``article_id``, so articles differ (de-duplication must keep them apart)."""
    rng = random.Random(article_id)
    lead = _sentence(rng)
    paragraphs = [" ".join(_sentence(rng) for _ in range(3)) for _ in range(4)] + [f"«{PANGRAM}» — {_sentence(rng)}"]
    return FeedArticle(
        id=article_id,
        url=f"https://www.rt.com/russia/{article_id}-{slug}/",
        section="russia",
        slug=slug,
        headline=" ".join(rng.sample(WORDS, 6)).capitalize(),
        description=lead,
        published=published.astimezone(timezone.utc),
        thumbnail=f"https://mf.b37mrtl.ru/files/2024.12/thumbnail/{article_id:024x}.jpg",
        content_html=f"<p><strong>{lead}</strong></p>\n" + "\n".join(f"<p>{text}</p>" for text in paragraphs),
    )
