"""quiz_tokens.py: quiz attempt tokens and option orders as the server makes them, for the
Python tests (imported from tests/, like checks.py).

A test that reads the server's key (DATA_DIR/quiz-key, quiz/quiz_token.h) can sign tokens of
its own: a fixed seed makes an attempt's option order known in advance, so tests are
deterministic and can map the bank's right options to the places a page shows them in."""
import hashlib
import hmac
import os
import time

M = 0xFFFFFFFF


def key(data_dir):
    with open(os.path.join(data_dir, "quiz-key"), "rb") as f:
        return f.read()


def mask(secret, quiz):
    """What a seed is XORed with in quiz's tokens (quiz_token.c seed_mask)."""
    mac = hmac.new(secret, b"fa-learn quiz seed mask 1\0" + quiz.encode(), hashlib.sha256)
    return int.from_bytes(mac.digest()[:4], "big")


def sign(data_dir, quiz="all", seed=1, started_ms=None, secret=None):
    """The token of (quiz, seed, started_ms), signed with the key of data_dir (or secret)."""
    secret = secret if secret is not None else key(data_dir)
    if started_ms is None:
        started_ms = int(time.time() * 1000)
    text = b"fa-learn quiz attempt 1\0" + quiz.encode() + b"\0" + str(seed).encode() + b"\0" + \
        str(started_ms).encode()
    mac = hmac.new(secret, text, hashlib.sha256)
    return f"{seed ^ mask(secret, quiz)}.{started_ms}.{mac.hexdigest()}"


def seed_of(data_dir, quiz, token):
    """The seed a token of the server of data_dir carries (masked in the token)."""
    return int(token.split(".")[0]) ^ mask(key(data_dir), quiz)


def option_order(question_id, n_options, seed, truefalse=False):
    """order[k] = the bank index of the option shown k-th (quiz_score.c quiz_option_order)."""
    x = (seed ^ 2166136261) & M
    for b in question_id.encode():
        x = ((x ^ b) * 16777619) & M
    order = list(range(n_options))
    if truefalse:
        return order
    for i in range(n_options, 1, -1):
        x ^= (x << 13) & M
        x ^= x >> 17
        x ^= (x << 5) & M
        j = x % i
        order[i - 1], order[j] = order[j], order[i - 1]
    return order
