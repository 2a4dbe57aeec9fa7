/* cnt_heading_ids.c: the ids of a page's headings (see cnt_heading_ids.h). */
#include "content/cnt_heading_ids.h"

#include "common/fa_hash.h"
#include "common/fa_mem.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Id uniqueness: an open-addressing set of the ids given so far, each with the last "-N"
 * tried from it as a base, so that a page with thousands of equal headings stays linear. */
struct id_slot {
    const char *id;
    unsigned long last_suffix;
};

struct id_set {
    struct id_slot *slots;
    size_t mask;
};

static size_t hash_id(const char *s) { return (size_t)fa_fnv1a64_str(s); }

static struct id_slot *id_set_slot(struct id_set *set, const char *id)
{
    size_t i = hash_id(id) & set->mask;

    while (set->slots[i].id && strcmp(set->slots[i].id, id) != 0)
        i = (i + 1) & set->mask;
    return &set->slots[i];
}

/* Decodes one UTF-8 sequence of valid text at p (len > 0 bytes): its code point, *n its
 * length. The heading's text comes from cmark, which has replaced bad bytes already. */
static uint32_t decode_utf8(const unsigned char *p, size_t len, size_t *n)
{
    size_t want = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc0 ? 2 : 1;
    uint32_t cp = want == 1 ? p[0] : p[0] & (0x7f >> want);

    if (want > len)
        want = 1;
    for (size_t i = 1; i < want; i++)
        cp = cp << 6 | (p[i] & 0x3f);
    *n = want;
    return cp;
}

/* True for a non-ASCII code point that is punctuation, a symbol or a space rather than part
 * of a word: the Latin-1 signs, general punctuation, arrows to dingbats, CJK punctuation,
 * full-width ASCII punctuation, and anything outside the Basic Multilingual Plane (emoji). */
static bool is_separator(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0xbf) || cp == 0xd7 || cp == 0xf7 ||
           (cp >= 0x2000 && cp <= 0x2bff) || (cp >= 0x3000 && cp <= 0x303f) ||
           (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff0f) ||
           (cp >= 0xff1a && cp <= 0xff20) || cp >= 0x10000;
}

/* Lower case for the letters that have a simple rule: ASCII, Latin-1, Latin Extended-A
 * (pairs), Greek and Cyrillic. Others stay as they are (ids need only be stable). */
static uint32_t lower(uint32_t cp)
{
    if ((cp >= 'A' && cp <= 'Z') || (cp >= 0xc0 && cp <= 0xde && cp != 0xd7))
        return cp + 0x20;
    if (cp >= 0x100 && cp <= 0x17e && cp != 0x130 && cp != 0x138 && cp != 0x149 && cp != 0x178 &&
        ((cp < 0x139 || (cp > 0x148 && cp < 0x179)) ? cp % 2 == 0 : cp % 2 == 1))
        return cp + 1;
    if ((cp >= 0x391 && cp <= 0x3a9 && cp != 0x3a2) || (cp >= 0x410 && cp <= 0x42f))
        return cp + 0x20;
    if (cp >= 0x400 && cp <= 0x40f)
        return cp + 0x50;
    return cp;
}

static size_t put_utf8(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    out[0] = (char)(0xe0 | cp >> 12);
    out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
}

/* A heading's id: its words lowered and joined by '-'. ASCII letters and digits and
 * non-ASCII letters are kept ("Überblick" -> "überblick", "概要" -> "概要"; issue 14: ASCII
 * only made "berblick" and "section"); everything else separates words. At most cap - 1
 * bytes, cut between characters; "section" when nothing is left. */
void cnt_heading_slug(const char *text, char *out, size_t cap)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t len = strlen(text), n = 0, used;
    bool pending_dash = false;

    for (size_t i = 0; i < len; i += used) {
        uint32_t cp = decode_utf8(p + i, len - i, &used);
        char enc[4];
        size_t k;
        bool keep = cp < 0x80 ? (cp >= '0' && cp <= '9') || ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z')
                              : !is_separator(cp);

        if (!keep) {
            pending_dash = true;
            continue;
        }
        k = put_utf8(lower(cp), enc);
        if (n + (pending_dash && n > 0) + k + 1 > cap)
            break;
        if (pending_dash && n > 0)
            out[n++] = '-';
        pending_dash = false;
        memcpy(out + n, enc, k);
        n += k;
    }
    if (n == 0)
        snprintf(out, cap, "section");
    else
        out[n] = '\0';
}

void cnt_heading_ids(const char *const *texts, char **ids, size_t n)
{
    struct id_set set;
    size_t cap = 16;

    while (cap < 2 * n + 2)
        cap *= 2;
    set.slots = fa_xcalloc(cap, sizeof *set.slots);
    set.mask = cap - 1;
    for (size_t i = 0; i < n; i++) {
        char base[CNT_SLUG_CAP], id[CNT_ID_CAP];
        struct id_slot *slot;

        cnt_heading_slug(texts[i], base, sizeof base);
        slot = id_set_slot(&set, base);
        if (!slot->id) {
            ids[i] = fa_xstrdup(base);
        } else {
            struct id_slot *base_slot = slot;
            unsigned long k = base_slot->last_suffix;

            do {
                snprintf(id, sizeof id, "%s-%lu", base, ++k);
                slot = id_set_slot(&set, id);
            } while (slot->id);
            base_slot->last_suffix = k;
            ids[i] = fa_xstrdup(id);
        }
        slot->id = ids[i];
        slot->last_suffix = 1;
    }
    fa_free(set.slots);
}
