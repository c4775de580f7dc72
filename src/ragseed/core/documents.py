"""What a document is before its text: file types and what the engine can extract, statuses,
times, and a document's layout. Shared by the plan and the generators."""

from __future__ import annotations

from dataclasses import dataclass
from hashlib import sha256
from itertools import accumulate

from .config import Config
from .static import StaticDocument

#: The topics documents are written about (their vocabularies are in generate/vocab_*.py).
TOPICS: tuple[str, ...] = (
    "vector-search", "data-pipelines", "security-compliance", "billing", "kubernetes-ops",
    "ml-training", "customer-support", "legal-contracts", "healthcare-records",
    "finance-reporting",
)  # fmt: skip


#: extension -> (MIME type, weight, median size in bytes per chunk of text, log-normal sigma)
FILE_TYPES: dict[str, tuple[str, float, int, float]] = {
    "pdf": ("application/pdf", 0.42, 24_000, 0.8),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", 0.2, 9_000, 0.6,
    ),
    "md": ("text/markdown", 0.12, 640, 0.15),
    "txt": ("text/plain", 0.1, 620, 0.15),
    "html": ("text/html", 0.1, 1_900, 0.4),
    "pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation", 0.06,
        85_000, 0.7,
    ),
}  # fmt: skip


EXTENSIONS = tuple(FILE_TYPES)


#: What the engine's extractor reads: PDF, DOCX and text/*. An upload of any other type ends
#: `failed` with the extractor's own message, and has no chunks.
EXTRACTABLE = frozenset({"pdf", "docx", "txt", "md", "html"})


def extension_weights(unsupported_share: float) -> list[float]:
    """Cumulative weights of EXTENSIONS: FILE_TYPES' mix, with the types the engine cannot
    extract taking unsupported_share of the uploads between them."""
    ok = sum(spec[1] for ext, spec in FILE_TYPES.items() if ext in EXTRACTABLE)
    bad = sum(spec[1] for ext, spec in FILE_TYPES.items() if ext not in EXTRACTABLE)
    scale = {True: (1 - unsupported_share) / ok, False: unsupported_share / bad}
    return list(accumulate(FILE_TYPES[e][1] * scale[e in EXTRACTABLE] for e in EXTENSIONS))


CONTENT_TYPE_BY_EXT = {ext: spec[0] for ext, spec in FILE_TYPES.items()}


#: Each language has this many boilerplate texts (disclaimers, headers). The texts are the same in
#: every tenant, so the same text exists once per tenant: look-alike content across tenants.
BOILERPLATE_POOL = 24


#: Documents with a shared text pick one of this many (per language and topic).
SHARED_TEXTS = 12


PENDING_STATUSES = ("queued", "processing", "created")


HOUR = 3600


def extractable(filename: str, content_type: str) -> bool:
    """Whether the engine's extractor takes this upload: by MIME type or by extension."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return (
        content_type in ("application/pdf", CONTENT_TYPE_BY_EXT["docx"])
        or content_type.startswith("text/")
        or ext in ("pdf", "docx", "txt")
    )


def unsupported_error(filename: str) -> str:
    """The engine's extractor's message for a type it cannot read."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return f"Unsupported file type: {ext}. Allowed: pdf, docx, txt"


def expected_failed_share(config: Config) -> float:
    """Failed documents: the configured share, plus the uploads that would have been indexed
    but are of a type the engine cannot extract."""
    failed, pending = config.failed_share, config.pending_share
    return failed + (1 - failed - pending) * config.unsupported_share


@dataclass(frozen=True)
class DocLayout:
    u: int
    d: int
    id: str
    status: str
    lang: str
    topic: str
    ext: str
    n_chunks: int  # chunks if indexed (0 otherwise); the pre-split size estimate either way
    boilerplate: tuple[int, ...]  # pool indexes of the trailing boilerplate chunks
    created: int  # seconds after the anchor
    updated: int
    size_bytes: int
    static: StaticDocument | None = None
    shared: int | None = None  # index of a text that recurs across tenants (look-alikes)
    same_name: bool = False  # re-uploaded under the previous document's filename

    @property
    def indexed(self) -> bool:
        return self.status == "indexed"

    @property
    def n_body(self) -> int:
        return self.n_chunks - len(self.boilerplate)


def split_static(content: str, chunk_tokens: int) -> list[str]:
    """Split a static document at paragraph boundaries into chunks of about chunk_tokens."""
    from .tokens import estimate_tokens

    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for para in (p.strip() for p in content.split("\n\n")):
        if not para:
            continue
        current.append(para)
        size += estimate_tokens(para)
        if size >= chunk_tokens:
            chunks.append("\n\n".join(current))
            current, size = [], 0
    if current:
        chunks.append("\n\n".join(current))
    return chunks or [content]


def text_hash(text: str) -> str:
    return sha256(text.encode()).hexdigest()
