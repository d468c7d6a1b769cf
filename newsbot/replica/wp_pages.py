"""Jannah-theme WordPress markup with Russian chrome: page frame, post page, archives, feed.

Every function returns text and takes plain data; which post goes where is the site's job
(wordpress.py). Class names, ids and chrome strings are those of the reference (section 2):
Jannah's post header, featured image and "Source" box, WordPress' comment form in Russian,
Jannah's back-to-top button, and the "Contact us all-in-one button" widget with its options script.
"""

from __future__ import annotations

import json
from datetime import datetime
from email.utils import format_datetime
from html import escape

SITE_NAME = "Новости мира"
WP_VERSION = "6.5.3"
JANNAH_VERSION = "7.1.1"
MONTHS_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
                   "октября", "ноября", "декабря")

PAGE = """\
<!DOCTYPE html>
<html lang="ru-RU" prefix="og: https://ogp.me/ns#">
<head>
<meta charset="UTF-8" />
<link rel="profile" href="https://gmpg.org/xfn/11" />
<meta name="viewport" content="width=device-width, initial-scale=1.0" />
<title>{title}</title>
{seo}
<link rel="alternate" type="application/rss+xml" title="{site_name} &raquo; Лента" href="{home}feed/" />
<link rel="stylesheet" id="wp-block-library-css" href="{home}wp-includes/css/dist/block-library/style.min.css?ver={wp}" type="text/css" media="all" />
<link rel="stylesheet" id="tie-css-base-css" href="{home}wp-content/themes/jannah/assets/css/base.min.css?ver={jannah}" type="text/css" media="all" />
<link rel="stylesheet" id="contactus.css-css" href="{home}wp-content/plugins/ar-contactus/res/css/contactus.min.css?ver=2.2.7" type="text/css" media="all" />
<script type="text/javascript" src="{home}wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>
<script type="text/javascript" src="{home}wp-content/plugins/ar-contactus/res/js/contactus.min.js?ver=2.2.7" id="contactus-js"></script>
<link rel="https://api.w.org/" href="{home}wp-json/" />
<meta name="generator" content="WordPress {wp}" />
{head_extra}
</head>
<body id="tie-body" class="{body_class} wrapper-has-shadow block-head-1 magazine1 is-desktop is-header-layout-3 sidebar-right has-sidebar">
<div class="background-overlay">
<div id="tie-container" class="site tie-container">
<div id="tie-wrapper">
<header id="theme-header" class="theme-header header-layout-3 main-nav-dark main-nav-below">
<div class="container header-container">
<div class="tie-row logo-row">
<div class="logo-wrapper"><div class="tie-col-md-4 logo-container clearfix">
<div id="logo" class="image-logo"><a title="{site_name}" href="{home}"><img src="{home}wp-content/uploads/2023/01/logo.png" alt="{site_name}" class="logo_normal" width="300" height="49" /><h1 class="h1-off">{site_name}</h1></a></div>
</div></div>
</div>
</div>
<div class="main-nav-wrapper">
<nav id="main-nav" class="main-nav header-nav" aria-label="Основная навигация">
<div class="container"><div class="main-menu-wrapper"><div id="menu-components-wrap"><div class="main-menu main-menu-wrap tie-alignleft">
<div id="main-nav-menu" class="main-menu header-menu"><ul id="menu-glavnoe-menyu" class="menu">
{menu}
</ul></div>
</div>
<ul class="components"><li class="search-compact-icon menu-item custom-menu-link"><a href="#" class="tie-search-trigger"><span class="tie-icon-search tie-search-icon" aria-hidden="true"></span><span class="screen-reader-text">Поиск</span></a></li></ul>
</div></div></div>
</nav>
</div>
</header>
<div id="content" class="site-content container"><div id="main-content-row" class="tie-row main-content-row">
<div class="main-content tie-col-md-8 tie-col-xs-12" role="main">
{main}
</div>
<aside class="sidebar tie-col-md-4 tie-col-xs-12 normal-side is-sticky" aria-label="Основная боковая панель">
<div class="theiaStickySidebar">
<div id="recent-posts-2" class="container-wrapper widget widget_recent_entries">
<div class="widget-title the-global-title"><div class="the-subtitle">Свежие записи</div></div>
<ul>
{recent}
</ul>
<div class="clearfix"></div></div>
<div id="categories-2" class="container-wrapper widget widget_categories">
<div class="widget-title the-global-title"><div class="the-subtitle">Рубрики</div></div>
<ul>
{categories}
</ul>
<div class="clearfix"></div></div>
<div id="search-2" class="container-wrapper widget widget_search">
<form role="search" method="get" class="search-form" action="{home}"><label><span class="screen-reader-text">Найти:</span><input type="search" class="search-field" placeholder="Поиск&hellip;" value="" name="s" /></label><input type="submit" class="search-submit" value="Поиск" /></form>
<div class="clearfix"></div></div>
</div>
</aside>
</div></div>
<footer id="footer" class="site-footer dark-skin dark-widgetized-area">
<div id="site-info" class="site-info site-info-layout-2"><div class="container"><div class="tie-row"><div class="tie-col-md-12">
<div class="copyright-text copyright-text-first">&copy; Copyright 2025, Все права защищены &nbsp;|&nbsp; Работает на <a href="https://ru.wordpress.org/" rel="nofollow">WordPress</a></div>
</div></div></div></div>
</footer>
<a id="go-to-top" class="go-to-top-button" href="#go-to-tie-body"><span class="tie-icon-angle-up"></span><span class="screen-reader-text">Кнопка «Наверх»</span></a>
</div>
</div>
</div>
{contact_widget}
<script type="text/javascript" id="tie-scripts-js-extra">
/* <![CDATA[ */
var tie = {{"is_rtl":"","ajaxurl":"{home}wp-admin\\/admin-ajax.php","is_side_aside_light":"","type_to_search":"Введите ключевое слово и нажмите Enter","lang_no_results":"Ничего не найдено","sticky_behavior":"default"}};
/* ]]> */
</script>
<script type="text/javascript" src="{home}wp-content/themes/jannah/assets/js/scripts.min.js?ver={jannah}" id="tie-scripts-js"></script>
</body>
</html>
"""

# The "Contact us all-in-one button" plugin: the widget as its script draws it (the seed shows its
# texts), and the options script it is drawn from.
CONTACT_WIDGET = """\
<div id="arcontactus" class="arcontactus-widget arcontactus-message right lg active">
<div class="arcontactus-message-button"><div class="static"><div class="static-text">Свяжитесь с нами</div></div></div>
<div class="callback-countdown-block">
<div class="callback-countdown-block-phone"><p class="arcu-form-header">Leave your phone number. We will call you back soon!</p>
<form class="arcu-callback-form"><input type="tel" name="phone" placeholder="+7 (___) ___-__-__" /><input type="submit" value="Позвонить мне" /></form></div>
<div class="callback-countdown-block-sorry"><p class="arcu-form-success">Callback request sent! We will contact you soon.</p></div>
<div class="callback-countdown-block-error"><p class="arcu-form-error">Error sending callback request! Please try again!</p></div>
<div class="arcu-email-block"><p class="arcu-form-header">Write a email to us!</p>
<form class="arcu-email-form"><input type="email" name="email" /><textarea name="message"></textarea><input type="submit" value="Отправить" /></form>
<p class="arcu-form-success">Email sent! We will contact you soon.</p>
<p class="arcu-form-error">Error sending email! Please try again!</p></div>
</div>
</div>
<script type="text/javascript" id="arcontactus-init">
var arCuMessages = ["Свяжитесь с нами"];
jQuery(document).ready(function(){{
    jQuery('#arcontactus').contactUs({{
        "buttonText": "Свяжитесь с нами", "ajaxUrl": "{home}wp-admin/admin-ajax.php", "mode": "regular",
        "callbackHeader": "Leave your phone number. We will call you back soon!",
        "callbackSuccess": "Callback request sent! We will contact you soon.",
        "callbackError": "Error sending callback request! Please try again!",
        "emailHeader": "Write a email to us!", "emailSuccess": "Email sent! We will contact you soon.",
        "emailError": "Error sending email! Please try again!"
    }});
}});
</script>"""

POST_MAIN = """\
<article id="the-post" class="container-wrapper post-content tie-standard">
<header class="entry-header-outer">
<div class="entry-header">
<h5 class="post-cat-wrap"><a class="post-cat tie-cat-{category_id}" href="{category_url}">{category_name}</a></h5>
<h1 class="post-title entry-title">{headline}</h1>
<h2 class="entry-sub-title">{sub_title}</h2>
</div>
</header>
<div class="featured-area"><div class="featured-area-inner"><figure class="single-featured-image"><img width="1200" height="675" src="{cover}" class="attachment-jannah-image-post size-jannah-image-post wp-post-image" alt="{headline}" decoding="async" fetchpriority="high" /><figcaption class="single-caption-text"><span class="tie-icon-camera" aria-hidden="true"></span> {figcaption}</figcaption></figure></div></div>
<div class="entry-content entry clearfix">
{content}
</div>
{after_content}
</article>
{related}
<div id="comments" class="comments-area">
<div id="add-comment-block" class="container-wrapper">
<div id="respond" class="comment-respond">
<h3 id="reply-title" class="comment-reply-title the-global-title">Добавить комментарий <small><a rel="nofollow" id="cancel-comment-reply-link" href="{url}#respond" style="display:none;">Отменить ответ</a></small></h3>
<form action="{home}wp-comments-post.php" method="post" id="commentform" class="comment-form" novalidate>
<p class="comment-notes"><span id="email-notes">Ваш адрес email не будет опубликован.</span> <span class="required-field-message">Обязательные поля помечены <span class="required">*</span></span></p>
<p class="comment-form-comment"><label for="comment">Комментарий <span class="required">*</span></label> <textarea id="comment" name="comment" cols="45" rows="8" maxlength="65525" required></textarea></p>
<p class="comment-form-author"><label for="author">Имя <span class="required">*</span></label> <input id="author" name="author" type="text" value="" size="30" maxlength="245" autocomplete="name" required /></p>
<p class="comment-form-email"><label for="email">Email <span class="required">*</span></label> <input id="email" name="email" type="email" value="" size="30" maxlength="100" aria-describedby="email-notes" autocomplete="email" required /></p>
<p class="comment-form-url"><label for="url">Сайт</label> <input id="url" name="url" type="url" value="" size="30" maxlength="200" autocomplete="url" /></p>
<p class="comment-form-cookies-consent"><input id="wp-comment-cookies-consent" name="wp-comment-cookies-consent" type="checkbox" value="yes" /> <label for="wp-comment-cookies-consent">Сохранить моё имя, email и адрес сайта в этом браузере для последующих моих комментариев.</label></p>
<p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="Отправить комментарий" /> <input type="hidden" name="comment_post_ID" value="{post_id}" id="comment_post_ID" /> <input type="hidden" name="comment_parent" id="comment_parent" value="0" /></p>
</form>
</div>
</div>
</div>"""

SHARE_BAR = """\
<div id="share-buttons-bottom" class="share-buttons share-buttons-bottom">
<div class="share-links icons-text">
<a href="https://vk.com/share.php?url={quoted}" rel="external noopener nofollow" title="ВКонтакте" target="_blank" class="vk-share-btn large-share-button"><span class="share-btn-icon tie-icon-vk"></span> <span class="social-text">ВКонтакте</span></a>
<a href="https://t.me/share/url?url={quoted}" rel="external noopener nofollow" title="Telegram" target="_blank" class="telegram-share-btn large-share-button"><span class="share-btn-icon tie-icon-paper-plane"></span> <span class="social-text">Telegram</span></a>
<a href="https://connect.ok.ru/offer?url={quoted}" rel="external noopener nofollow" title="Одноклассники" target="_blank" class="odnoklassniki-share-btn large-share-button"><span class="share-btn-icon tie-icon-odnoklassniki"></span> <span class="social-text">Одноклассники</span></a>
<a href="mailto:?subject={quoted}" rel="external noopener nofollow" title="Поделиться через Email" target="_blank" class="email-share-btn large-share-button"><span class="share-btn-icon tie-icon-envelope"></span> <span class="social-text">Поделиться через Email</span></a>
</div>
</div>"""

TAGS_BOX = """\
<div class="post-bottom-meta post-bottom-tags post-tags-modern"><div class="post-bottom-meta-title"><span class="tie-icon-tags" aria-hidden="true"></span> Метки</div><span class="tagcloud">{links}</span></div>"""

RELATED_BOX = """\
<div id="related-posts" class="container-wrapper has-extra-post">
<div class="mag-box-title the-global-title"><h3>Похожие статьи</h3></div>
<div class="related-posts-list">
{items}
</div>
</div>"""

RELATED_ITEM = """\
<div class="related-item tie-standard"><a aria-label="{headline}" href="{url}" class="post-thumb"><img width="390" height="220" src="{thumb}" class="attachment-jannah-image-large size-jannah-image-large wp-post-image" alt="" decoding="async" /></a>
<h3 class="post-title"><a href="{url}">{headline}</a></h3>
<div class="post-meta clearfix"><span class="date meta-item tie-icon">{date}</span></div></div>"""

ARCHIVE_MAIN = """\
<header class="entry-header-outer container-wrapper">
<nav id="breadcrumb"><a href="{home}"><span class="tie-icon-home" aria-hidden="true"></span> Главная</a><em class="delimiter">/</em><span class="current">{title}</span></nav>
<h1 class="page-title">{title}</h1>
</header>
<div class="mag-box wide-post-box">
<div class="container-wrapper"><div class="mag-box-container clearfix">
<ul id="posts-container" data-layout="default" class="posts-items">
{items}
</ul>
<div class="clearfix"></div>
</div></div>
</div>
{pagination}"""

ARCHIVE_ITEM = """\
<li class="post-item post-{post_id} post type-post status-publish format-standard has-post-thumbnail category-{category_slug} tie-standard">
<a aria-label="{headline}" href="{url}" class="post-thumb"><span class="post-cat-wrap"><span class="post-cat tie-cat-{category_id}">{category_name}</span></span><img width="390" height="220" src="{thumb}" class="attachment-jannah-image-large size-jannah-image-large wp-post-image" alt="" decoding="async" /></a>
<div class="post-details">
<div class="post-meta clearfix"><span class="date meta-item tie-icon">{date}</span></div>
<h2 class="post-title"><a href="{url}">{headline}</a></h2>
<p class="post-excerpt">{excerpt}</p>
<a class="more-link button" href="{url}">Подробнее &raquo;</a>
</div>
</li>"""

NOT_FOUND_MAIN = """\
<div class="container-wrapper"><div id="content-404">
<h2>404 :(</h2><h3>Ой! Эта страница не найдена.</h3><p>Похоже, ничего не было найдено по этому адресу.</p>
</div></div>"""

FEED = """\
<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom"
	xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
	xmlns:slash="http://purl.org/rss/1.0/modules/slash/"
	>
<channel>
	<title>{title}</title>
	<atom:link href="{self_url}" rel="self" type="application/rss+xml" />
	<link>{link}</link>
	<description>Новости России и мира</description>
	<lastBuildDate>{built}</lastBuildDate>
	<language>ru-RU</language>
	<sy:updatePeriod>hourly</sy:updatePeriod>
	<sy:updateFrequency>1</sy:updateFrequency>
	<generator>https://wordpress.org/?v={wp}</generator>
{items}
</channel>
</rss>
"""

FEED_ITEM = """\
	<item>
		<title>{headline}</title>
		<link>{url}</link>
		<comments>{url}#respond</comments>
		<dc:creator><![CDATA[{author}]]></dc:creator>
		<pubDate>{pub_date}</pubDate>
		<category><![CDATA[{category_name}]]></category>
		<guid isPermaLink="false">{shortlink}</guid>
		<description><![CDATA[{excerpt} [&#8230;]]]></description>
		<content:encoded><![CDATA[{content}]]></content:encoded>
		<wfw:commentRss>{url}feed/</wfw:commentRss>
		<slash:comments>0</slash:comments>
	</item>"""


def page(title: str, main: str, *, home: str, body_class: str, seo: str, menu: list[tuple[str, str]],
         recent: list[tuple[str, str]], categories: list[tuple[str, str]], head_extra: str = "") -> str:
    """A whole page in the site's frame; links are (href, text) pairs."""
    return PAGE.format(
        title=escape(title), seo=seo, head_extra=head_extra, home=home, site_name=SITE_NAME, wp=WP_VERSION,
        jannah=JANNAH_VERSION, body_class=body_class, main=main,
        menu="\n".join(f'<li class="menu-item"><a href="{escape(href)}">{escape(text)}</a></li>' for href, text in menu),
        recent="\n".join(f'<li><a href="{escape(href)}">{escape(text)}</a></li>' for href, text in recent),
        categories="\n".join(f'<li class="cat-item"><a href="{escape(href)}">{escape(text)}</a></li>'
                             for href, text in categories),
        contact_widget=CONTACT_WIDGET.format(home=home),
    )


def yoast_head(*, title: str, url: str, description: str, og_type: str, image: str | None = None,
               article: dict | None = None, graph: list[dict], prev_url: str | None = None,
               next_url: str | None = None) -> str:
    """Yoast SEO's head block: canonical, rel=prev/next, OpenGraph, article times, JSON-LD graph."""
    lines = ["<!-- This site is optimized with the Yoast SEO plugin v22.6 - https://yoast.com/wordpress/plugins/seo/ -->",
             f'<meta name="description" content="{escape(description)}" />',
             '<meta name="robots" content="index, follow, max-snippet:-1, max-video-preview:-1, max-image-preview:large" />',
             f'<link rel="canonical" href="{escape(url)}" />']
    lines += [f'<link rel="{rel}" href="{escape(href)}" />' for rel, href in (("prev", prev_url), ("next", next_url)) if href]
    lines += ['<meta property="og:locale" content="ru_RU" />',
              f'<meta property="og:type" content="{og_type}" />',
              f'<meta property="og:title" content="{escape(title)}" />',
              f'<meta property="og:description" content="{escape(description)}" />',
              f'<meta property="og:url" content="{escape(url)}" />',
              f'<meta property="og:site_name" content="{SITE_NAME}" />']
    lines += [f'<meta property="article:{name}" content="{escape(value)}" />' for name, value in (article or {}).items()]
    if image:
        lines += [f'<meta property="og:image" content="{escape(image)}" />',
                  '<meta property="og:image:width" content="1200" />', '<meta property="og:image:height" content="675" />']
    data = json.dumps({"@context": "https://schema.org", "@graph": graph}, ensure_ascii=False).replace("</", "<\\/")
    lines += [f'<script type="application/ld+json" class="yoast-schema-graph">{data}</script>',
              "<!-- / Yoast SEO plugin. -->"]
    return "\n".join(lines)


def post_main(*, post_id: int, url: str, home: str, category: tuple[int, str, str], headline: str,
              sub_title: str, cover: str, figcaption: str, content: str, tags: list[tuple[str, str]],
              share: bool, related: list[tuple[str, str, str, str]]) -> str:
    """Jannah's single post: ``category`` is (id, url, name); ``tags`` (href, label);
    ``related`` (url, headline, thumbnail, date)."""
    after = []
    if tags:
        after.append(TAGS_BOX.format(links="".join(f'<a href="{escape(href)}" rel="tag">{escape(label)}</a>'
                                                   for href, label in tags)))
    if share:
        after.append(SHARE_BAR.format(quoted=escape(url)))
    items = [RELATED_ITEM.format(url=escape(href), headline=escape(text), thumb=escape(thumb), date=date)
             for href, text, thumb, date in related]
    category_id, category_url, category_name = category
    return POST_MAIN.format(
        post_id=post_id, url=escape(url), home=home, category_id=category_id, category_url=escape(category_url),
        category_name=escape(category_name), headline=escape(headline), sub_title=escape(sub_title),
        cover=escape(cover), figcaption=escape(figcaption), content=content, after_content="\n".join(after),
        related=RELATED_BOX.format(items="\n".join(items)) if items else "",
    )


def archive_main(*, home: str, title: str, items: list[dict], pagination: str) -> str:
    """Jannah's archive (category, home): one entry per item, then the pagination."""
    entries = [ARCHIVE_ITEM.format(**{key: escape(str(value)) for key, value in item.items()}) for item in items]
    return ARCHIVE_MAIN.format(home=home, title=escape(title), items="\n".join(entries), pagination=pagination)


def numbered_pagination(page_url, number: int, last: int) -> str:
    """Jannah's numbered pages (« 1 2 3 »); ``page_url(n)`` gives page n's URL."""
    items = []
    if number > 1:
        items.append(f'<li class="the-prev-page"><a href="{escape(page_url(number - 1))}">&laquo;</a></li>')
    for n in range(1, last + 1):
        items.append(f'<li class="current"><span class="pages-nav-item">{n}</span></li>' if n == number else
                     f'<li><a class="pages-nav-item" href="{escape(page_url(n))}" title="{n}">{n}</a></li>')
    if number < last:
        items.append(f'<li class="the-next-page"><a href="{escape(page_url(number + 1))}">&raquo;</a></li>')
    return f'<div class="pages-nav"><ul class="pages-numbers">{"".join(items)}</ul></div>' if last > 1 else ""


def older_newer_pagination(older: str | None, newer: str | None) -> str:
    """The "older posts / newer posts" links of the front page."""
    links = []
    if older:
        links.append(f'<span class="first-page first-last-pages"><a href="{escape(older)}">'
                     '<span class="pagination-icon" aria-hidden="true"></span>Предыдущие записи</a></span>')
    if newer:
        links.append(f'<span class="last-page first-last-pages"><a href="{escape(newer)}">'
                     '<span class="pagination-icon" aria-hidden="true"></span>Следующие записи</a></span>')
    return f'<div class="pages-nav"><div class="pages-standard">{"".join(links)}</div></div>' if links else ""


FEED_CDATA = frozenset(("author", "category_name", "excerpt", "content"))  # literal text: never entity-escaped


def feed(*, title: str, link: str, self_url: str, built: datetime, items: list[dict]) -> str:
    entries = [FEED_ITEM.format(**{key: value if key in FEED_CDATA else escape(str(value), quote=False)
                                   for key, value in item.items()}) for item in items]
    return FEED.format(title=escape(title, quote=False), link=link, self_url=self_url, wp=WP_VERSION,
                       built=format_datetime(built), items="\n".join(entries))


SITEMAP_INDEX = """\
<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>
"""
URLSET = """\
<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>
"""


def sitemap_index(sitemaps: list[str]) -> str:
    """WordPress' core sitemap index (wp-sitemap.xml)."""
    return SITEMAP_INDEX.format(entries="".join(f"<sitemap><loc>{escape(url)}</loc></sitemap>" for url in sitemaps))


def urlset(entries: list[tuple[str, datetime | None]]) -> str:
    """A core sitemap page: (URL, last modified) pairs."""
    return URLSET.format(entries="".join(
        f"<url><loc>{escape(url)}</loc>{f'<lastmod>{modified.isoformat()}</lastmod>' if modified else ''}</url>"
        for url, modified in entries))


def russian_date(moment: datetime) -> str:
    """Jannah's listing dates in Russian: "7 мая 2025"."""
    return f"{moment.day} {MONTHS_GENITIVE[moment.month - 1]} {moment.year}"
