/* srv_wiki_view.h: the wiki's own pages around the Markdown: the home page's part after its
 * text (the cards to the wiki, the quiz and the sandbox) and the course contents (/wiki: every
 * page with its second-level sections), built with common/fa_html.h. Thread-safe. */
#ifndef FA_SERVER_VIEW_SRV_WIKI_VIEW_H
#define FA_SERVER_VIEW_SRV_WIKI_VIEW_H

#include "common/fa_html.h"

struct cnt_site;

/* The three cards under the home page's text. */
void srv_wiki_view_cards(struct fa_html_builder *h);

/* The body of /wiki: a heading, a sentence and the list of pages of content, each with its
 * sections. */
void srv_wiki_view_contents(struct fa_html_builder *h, const struct cnt_site *content);

#endif
