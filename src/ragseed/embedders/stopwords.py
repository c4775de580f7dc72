"""Function words the hash embedder drops: they occur in every text, so hashed they make any two
texts of a language look alike (measured: ~0.72 cosine between unrelated English chunks).

The generator's stop and question words (ragseed.generate.vocab_en / vocab_ar, which this layer
may not import; tests/test_embedders_hash.py checks these lists still hold them), in the form
:func:`~.words.normalize` gives them.
"""

from __future__ import annotations

from .words import normalize

EN: frozenset[str] = frozenset((
    "a", "about", "above", "affect", "affects", "after", "again", "against", "all", "also",
    "am", "an", "and", "any", "are", "as", "at", "be", "because", "been", "before", "being",
    "below", "between", "both", "but", "by", "can", "cannot", "could", "did", "do", "does",
    "doing", "down", "during", "each", "either", "every", "few", "first", "for", "from",
    "further", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how",
    "however", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "may", "me",
    "might", "more", "most", "must", "my", "no", "nor", "not", "now", "of", "off", "often",
    "on", "once", "only", "or", "other", "our", "ours", "out", "over", "own", "per", "same",
    "shall", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs",
    "them", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under",
    "until", "up", "us", "usually", "very", "was", "we", "were", "what", "when", "where",
    "whether", "which", "while", "who", "whom", "why", "will", "with", "within", "without",
    "would", "yet", "you", "your", "yours",
))  # fmt: skip
AR: frozenset[str] = frozenset((
    "أثر", "أقل", "أكثر", "أن", "أو", "أولا", "أي", "أيضا", "أين", "إذا", "إلا", "إلى", "إن",
    "التي", "الذي", "الذين", "بعد", "بعض", "بل", "به", "بها", "بين", "تؤثر", "تكون", "تلك",
    "ثم", "جدا", "حتى", "حول", "خلال", "داخل", "دون", "ذات", "ذلك", "سوف", "ضمن", "عادة", "عبر",
    "على", "عليه", "عليها", "عن", "عند", "غير", "فقط", "في", "فيه", "فيها", "قبل", "قد", "كان",
    "كانت", "كل", "كلما", "كما", "كيف", "لا", "لدى", "لذلك", "لكن", "لم", "لماذا", "لن", "له",
    "لها", "ليس", "ليست", "ما", "ماذا", "متى", "مثل", "مع", "معا", "من", "منذ", "منه", "منها",
    "نحن", "نفس", "نفسه", "هذا", "هذه", "هل", "هم", "هنا", "هناك", "هو", "هي", "و", "يؤثر",
    "يتم", "يجب", "يكون", "يمكن", "ينبغي",
))  # fmt: skip

#: Every stop word of every language, folded: a text's language need not be known to drop them.
STOP: frozenset[str] = frozenset(normalize(w) for w in EN | AR)
