/* fa_macro.h: small preprocessor helpers. */
#ifndef FA_COMMON_FA_MACRO_H
#define FA_COMMON_FA_MACRO_H

/* A numeric macro's value as a string literal, so that a message names the limit the code
 * checks ("at most " FA_STRINGIFY(QUIZ_MAX_NAME) " bytes") instead of a copy of its number. */
#define FA_STRINGIFY_(x) #x
#define FA_STRINGIFY(x) FA_STRINGIFY_(x)

#endif
