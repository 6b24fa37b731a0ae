"""What the AI is asked, per action. Pure functions: text in, chat messages out.

Every prompt asks for the finished text alone (no preamble, no quotes), keeps links,
@mentions and facts as written, and states the network's limit as the validator counts it,
so the suggestion can be checked by the same rule that decides whether a post goes out.
"""

from __future__ import annotations

import re

TONES = {
    "": "As written",
    "friendly": "Friendly",
    "professional": "Professional",
    "playful": "Playful",
    "enthusiastic": "Enthusiastic",
    "calm": "Calm and factual",
}

LANGUAGES = (
    "Arabic",
    "Chinese (Simplified)",
    "Dutch",
    "English",
    "French",
    "German",
    "Hindi",
    "Indonesian",
    "Italian",
    "Japanese",
    "Korean",
    "Polish",
    "Portuguese",
    "Russian",
    "Spanish",
    "Swedish",
    "Turkish",
    "Ukrainian",
    "Vietnamese",
)

SYSTEM = (
    "You help a social media manager write posts. Answer with the finished text only: no "
    "introduction, no explanation, no quotation marks around it, no alternatives. Keep "
    "links, @mentions and facts exactly as written; never invent facts, numbers or links."
)


def _limit_rule(limit: int | None, network: str) -> str:
    if not limit:
        return ""
    return (
        f" It must be at most {limit} characters long on {network} (spaces, emoji and "
        "links count), so aim a little below that."
    )


def _tone_rule(tone: str) -> str:
    if not tone:
        return " Keep the tone of the original."
    return f" Make the tone {TONES[tone].lower()}."


def _hashtag_rule(hashtags: bool) -> str:
    if hashtags:
        return " End with one to three relevant hashtags (they count towards the length)."
    return " Do not add hashtags the original does not have."


def _messages(instruction: str, text: str) -> list[dict]:
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"{instruction}\n\nThe post:\n{text}"},
    ]


def rewrite(text: str, *, network: str, limit: int | None, tone: str, hashtags: bool):
    instruction = (
        f"Rewrite this post for {network}, the way people write there."
        + _limit_rule(limit, network)
        + _tone_rule(tone)
        + _hashtag_rule(hashtags)
        + " Write in the language of the post."
    )
    return _messages(instruction, text)


def shorten(text: str, *, network: str, limit: int):
    instruction = (
        f"Shorten this post so it fits on {network}: at most {limit} characters (spaces, "
        "emoji and links count). Keep its meaning, its tone, its language, its links and "
        "its hashtags if they fit."
    )
    return _messages(instruction, text)


def first_comment(text: str, *, network: str, limit: int | None):
    instruction = (
        "Write the first comment the author posts under this post: something that adds "
        "to it (a question to readers, a useful detail, or where to learn more) without "
        "repeating it. One to three sentences, in the language of the post."
        + _limit_rule(limit, network or "the network")
    )
    return _messages(instruction, text)


def translate(text: str, *, language: str):
    instruction = (
        f"Translate this post into {language}. Keep its tone, emoji, line breaks, links, "
        "@mentions and hashtags (translate a hashtag's words only if it reads naturally)."
    )
    return _messages(instruction, text)


def alt_text(image_url: str, *, context: str):
    """``image_url`` is a data: URL of the image (a local model cannot fetch ours)."""
    instruction = (
        "Write alt text for this image for people who cannot see it: one or two plain "
        "sentences (at most 250 characters) describing what matters in it, including any "
        "text it shows. Do not start with 'Image of' or 'Picture of'."
    )
    if context.strip():
        instruction += f"\n\nIt goes with this post, for context:\n{context.strip()[:1000]}"
    return [
        {"role": "system", "content": SYSTEM},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": instruction},
                {"type": "image_url", "image_url": {"url": image_url}},
            ],
        },
    ]


_THINKING = re.compile(r"^\s*<think>.*?</think>", re.DOTALL)


def tidy(text: str) -> str:
    """The answer as a post: without the quotation marks or label models often wrap it in,
    nor the reasoning some models (DeepSeek-R1, Qwen3) write first between think tags."""
    text = _THINKING.sub("", text).strip()
    for prefix in ("Here is", "Here's", "Sure"):
        if text.startswith(prefix) and "\n" in text:
            head, rest = text.split("\n", 1)
            if head.rstrip().endswith(":"):
                text = rest.strip()
            break
    pairs = (('"', '"'), ("“", "”"), ("'", "'"), ("«", "»"))
    for left, right in pairs:
        if len(text) > 1 and text.startswith(left) and text.endswith(right):
            inner = text[1:-1]
            if left not in inner and right not in inner:
                text = inner.strip()
            break
    return text
