/* quiz_pool.h: question pools. A class may ask that each attempt draw only K of a topic's
 * questions (quiz_class.pool_size): which K follows from the attempt's seed, so the page,
 * the marking and the review of a stored attempt agree without storing the draw. Pure
 * functions: any thread. */
#ifndef FA_QUIZ_QUIZ_POOL_H
#define FA_QUIZ_QUIZ_POOL_H

#include "quiz/quiz_bank.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether question i of bank is among the pool_size questions of its topic an attempt with
 * this seed draws. Every question is drawn when pool_size is 0 or at least the topic's
 * number of questions. */
bool quiz_pool_drawn(const struct quiz_bank *bank, size_t i, uint32_t seed, int pool_size);

#endif
