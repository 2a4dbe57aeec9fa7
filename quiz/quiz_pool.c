/* quiz_pool.c: which questions an attempt draws (see quiz_pool.h). */
#include "quiz/quiz_pool.h"

#include "common/fa_hash.h"

#include <string.h>

/* A question's place in the draw: a hash of the seed and its id, so that each seed orders a
 * topic's questions differently and a question keeps its place when others are added. */
static uint64_t draw_key(uint32_t seed, const char *id)
{
    return fa_fnv1a64(id, strlen(id), fa_fnv1a64(&seed, sizeof seed, FA_FNV1A64_BASIS));
}

bool quiz_pool_drawn(const struct quiz_bank *bank, size_t i, uint32_t seed, int pool_size)
{
    const struct quiz_question *q = quiz_bank_get_question(bank, i);
    uint64_t mine = draw_key(seed, q->id);
    size_t before = 0;

    if (pool_size <= 0)
        return true;
    /* Drawn when fewer than pool_size of its topic's questions come before it (by key,
     * then by place in the bank). */
    for (size_t k = 0; k < quiz_bank_n_questions(bank); k++) {
        const struct quiz_question *other = quiz_bank_get_question(bank, k);
        if (k == i || other->topic != q->topic)
            continue;
        uint64_t theirs = draw_key(seed, other->id);
        if (theirs < mine || (theirs == mine && k < i))
            before++;
    }
    return before < (size_t)pool_size;
}
