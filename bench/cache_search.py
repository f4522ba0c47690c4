"""Search over the local message cache: p50/p95/p99 per query kind, 100,000 cached messages.

    .venv/bin/python -m bench.cache_search [--messages 100000] [--chats 40] [--rounds 30]

The cache (app/messenger_desktop/store/message_cache.py, the shipped class) is filled the way
the app fills it (history pages through `replace_range`, in the writer thread) with generated
conversations: English and Russian words, Zipf-like frequencies (a few very common words, a
long tail), 40 chats. Then queries are timed as the app runs them: across all chats (the
sidebar's results, newest 100 with snippets) and in one chat (every matching id, for "3 of
17"), each for a very common word, a rare word, a two-word query and a 3-letter prefix.
Also timed: reading a chat's newest page for the first paint.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from messenger_desktop.store.message_cache import MessageCache
from messenger_model.push_ids import new_push_id

from bench.client_support import percentile

WORDS = (
    "the a to and of in is it you that for on was with are this be have at or not but we "
    "can meeting lunch tomorrow friday project release build deploy review ticket server "
    "client database rules photo trip weekend coffee dinner call budget invoice report "
    "draft slides demo customer password wifi printer keys train flight hotel doctor "
    "привет встреча завтра пятница проект релиз сборка обзор задача сервер клиент база "
    "фото поездка выходные кофе ужин звонок бюджет отчёт черновик слайды демо клиенты "
    "пароль принтер ключи поезд рейс гостиница врач ёлка"
).split()
RARE = ["zanzibar", "квазар", "xylophone", "oboe", "marzipan", "гиперкуб"]


def text_for(rng: random.Random) -> str:
    n = rng.randint(3, 25)
    words = []
    for _ in range(n):
        if rng.random() < 0.0005:
            words.append(rng.choice(RARE))
        else:  # Zipf-like: low indices far more often
            words.append(WORDS[min(int(rng.paretovariate(1.1)) - 1, len(WORDS) - 1)])
    return " ".join(words).capitalize()


def fill(cache: MessageCache, count: int, chats: int, rng: random.Random) -> list[str]:
    chat_ids = [f"{i:028d}_{i + 1:028d}" for i in range(chats)]
    base = int(time.time() * 1000) - count * 60_000
    per_chat: dict[str, dict[str, dict]] = {c: {} for c in chat_ids}
    for i in range(count):
        chat = chat_ids[min(int(rng.expovariate(4 / chats)), chats - 1)]  # some chats busier
        ts = base + i * 60_000
        per_chat[chat][new_push_id(ts)] = {"sender": chat[:28] if i % 2 else chat[29:],
                                           "text": text_for(rng), "ts": ts}
    for chat, values in per_chat.items():
        # As the app receives them: the newest page (up to the newest), then older pages.
        ids = sorted(values)
        hi: str | None = None
        for end in range(len(ids), 0, -50):
            # [lo, hi] both included, as the app's endAt pages are
            page = {k: values[k] for k in ids[max(0, end - 50):end + 1]}
            lo = ids[max(0, end - 50)] if end > 50 else ""
            cache.replace_range(chat, lo, hi, page)
            hi = ids[max(0, end - 50)]
    cache.flush(600)
    return sorted(chat_ids, key=lambda c: -len(per_chat[c]))


def timed(fn, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def line(name: str, values: list[float], found: int) -> str:
    return (f"  {name:<44} p50 {percentile(values, 50):6.2f} ms  p95 "
            f"{percentile(values, 95):6.2f} ms  p99 {percentile(values, 99):6.2f} ms  "
            f"({found} found)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--chats", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "cache-bench.sqlite3"
        cache = MessageCache(file)
        t0 = time.perf_counter()
        chats = fill(cache, args.messages, args.chats, rng)
        fill_s = time.perf_counter() - t0
        size_mb = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 1e6
        print(f"{cache.count()} messages in {len(chats)} chats cached in {fill_s:.1f} s "
              f"({cache.count() / fill_s:,.0f} messages/s through the writer thread); "
              f"file {size_mb:.1f} MB")
        busy, quiet = chats[0], chats[len(chats) // 2]
        print(f"the busiest chat has {cache.count(busy)} messages; a middling one "
              f"{cache.count(quiet)}")
        queries = [("very common word ('the')", "the"), ("common Russian word ('завтра')",
                   "завтра"), ("rare word ('zanzibar')", "zanzibar"),
                   ("two words ('lunch tomorrow')", "lunch tomorrow"),
                   ("3-letter prefix ('rep')", "rep"), ("nothing matches ('qqqq')", "qqqq")]
        every: list[float] = []
        print("across all chats (newest 100, with snippets):")
        for name, q in queries:
            found = len(cache.search(q))
            values = timed(lambda q=q: cache.search(q, limit=100), args.rounds)
            every += values
            print(line(name, values, found))
        print("in the busiest chat (every matching id, up to 1,000):")
        for name, q in queries:
            found = len(cache.search_ids(q, busy))
            values = timed(lambda q=q: cache.search_ids(q, busy), args.rounds)
            every += values
            print(line(name, values, found))
        print("in a middling chat:")
        for name, q in queries[:3]:
            found = len(cache.search_ids(q, quiet))
            values = timed(lambda q=q: cache.search_ids(q, quiet), args.rounds)
            every += values
            print(line(name, values, found))
        page = timed(lambda: cache.newest(busy, 50), args.rounds * 3)
        print(line("first paint's read: newest 50 of the busiest", page, 50))
        print(f"all searches together: p50 {percentile(every, 50):.2f} ms, p95 "
              f"{percentile(every, 95):.2f} ms, p99 {percentile(every, 99):.2f} ms "
              f"(target p95 <= 50 ms)")
        cache.close()


if __name__ == "__main__":
    main()
