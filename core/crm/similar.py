"""Find similar creators: a TF-IDF index over listed profiles, precomputed as top-k neighbours per influencer.

How a match is scored (documented in docs/decisions/crm.md, "Find similar"):
- text: cosine similarity of TF-IDF vectors over category and niche (each counted twice: they are the
  creator's own labels) plus the bio; English stop words (and, from 1,000 profiles, terms in more than half of them) dropped;
- tier: the followers bucket (nano / micro / mid / macro / mega) — same tier 1, adjacent 0.5, else 0;
- engagement: closeness of the two engagement rates (smaller / larger).
score = 0.8 text + 0.1 tier + 0.1 engagement, among the 50 best text matches; only profiles sharing at
least one term are candidates, so every result can say what it shares.

The job (tasks/similar.py) rebuilds the whole table in one transaction: every app replica and worker reads
the same rows, and answering is one indexed query (no model in memory).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import numpy as np
from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session, aliased

from core.crm import tiers
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.models import InfluencerProfile, SimilarInfluencer
from core.permissions import Actor, require_member
from core.platform.timeutil import utcnow

if TYPE_CHECKING:  # scikit-learn and scipy load only in the job that builds the index (seconds of import time)
    from scipy import sparse

TOP_K = 10
CANDIDATES = 50
MAX_LIMIT = 50
SHARED_TERMS = 3
WEIGHTS = {"text": 0.8, "tier": 0.1, "engagement": 0.1}
CHUNK_CELLS = 8_000_000  # similarity cells computed at once (rows x profiles): bounds the build's memory
EXACT_LIMIT = 5_000  # up to this many listed profiles every pair is compared; above, an inverted-file search
PROBES = 3  # clusters searched per profile above EXACT_LIMIT


def tier_of(followers: int) -> str:
    """The tier name of a follower count (the configured tiers, core/crm/tiers.py)."""
    return tiers.tier_of(followers)


def _tier_index(followers: np.ndarray) -> np.ndarray:
    return np.searchsorted(np.array(tiers.thresholds()), followers, side="right")


def _document(category: str, niche: str, bio: str) -> str:
    return f"{category} {category} {niche} {niche} {bio}"


@dataclass
class BuildResult:
    profiles: int
    neighbours: int
    seconds: float

    def as_dict(self) -> dict:
        return {"profiles": self.profiles, "neighbours": self.neighbours, "seconds": round(self.seconds, 2)}


def _best_columns(block: np.ndarray, take: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row of a cosine block: the positions and values of its take largest entries (0 = nothing shared)."""
    take = min(take, block.shape[1])
    best = np.argpartition(block, block.shape[1] - take, axis=1)[:, -take:]
    return best, np.take_along_axis(block, best, axis=1)


def _exact_matches(matrix: sparse.csr_matrix, rows: np.ndarray, pool: np.ndarray, take: int, out: tuple) -> None:
    """Fill out[0]/out[1] for rows with their best matches among pool (exact cosine, in memory-bounded chunks)."""
    index, score = out
    pool_t = matrix[pool].T.tocsc()
    step = max(1, CHUNK_CELLS // max(len(pool), 1))
    for start in range(0, len(rows), step):
        chunk = rows[start : start + step]
        block = (matrix[chunk] @ pool_t).toarray()  # rows are L2-normalised: this is the cosine
        block[pool[None, :] == chunk[:, None]] = 0.0  # never oneself
        best, values = _best_columns(block, take)
        order = np.argsort(-values, axis=1, kind="stable")[:, : index.shape[1]]  # oneself (0) sorts last
        best, values = np.take_along_axis(best, order, axis=1), np.take_along_axis(values, order, axis=1)
        found = np.where(values > 0, pool[best], -1)  # nothing shared: not a candidate
        index[chunk, : found.shape[1]], score[chunk, : found.shape[1]] = found, values


def _probe_pools(matrix: sparse.csr_matrix) -> list[tuple[np.ndarray, np.ndarray]]:
    """Above EXACT_LIMIT profiles: (members, pool) pairs of an inverted-file search.

    Profiles are clustered (k-means on a 64-dimensional SVD of the TF-IDF vectors, about sqrt(n) clusters);
    each cluster's members are compared exactly with the members of their PROBES nearest clusters. Work falls
    from n² to about n x PROBES x sqrt(n) at the cost of missing a rare neighbour in a far cluster.
    """
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.decomposition import TruncatedSVD

    count = matrix.shape[0]
    dims = max(2, min(64, matrix.shape[1] - 1))
    embedded = TruncatedSVD(n_components=dims, random_state=0).fit_transform(matrix)
    embedded /= np.maximum(np.linalg.norm(embedded, axis=1, keepdims=True), 1e-9)
    clusters = max(2, int(np.sqrt(count)))
    kmeans = MiniBatchKMeans(n_clusters=clusters, random_state=0, n_init=1, batch_size=4096).fit(embedded)
    labels = kmeans.labels_
    centres = kmeans.cluster_centers_ / np.maximum(np.linalg.norm(kmeans.cluster_centers_, axis=1, keepdims=True), 1e-9)
    nearest = np.argsort(-(centres @ centres.T), axis=1)[:, :PROBES]
    members = [np.flatnonzero(labels == c) for c in range(clusters)]
    return [(members[c], np.concatenate([members[n] for n in nearest[c]])) for c in range(clusters) if len(members[c])]


def _top_text_matches(matrix: sparse.csr_matrix, candidates: int) -> tuple[np.ndarray, np.ndarray]:
    """For each row: the row indices and cosine scores of its best text matches (self excluded; -1 = none)."""
    count = matrix.shape[0]
    take = min(candidates, max(count - 1, 0))
    index = np.full((count, take), -1, dtype=np.int64)
    score = np.zeros((count, take), dtype=np.float32)
    if take == 0:
        return index, score
    everyone = np.arange(count)
    pools = [(everyone, everyone)] if count <= EXACT_LIMIT else _probe_pools(matrix)
    for rows, pool in pools:
        _exact_matches(matrix, rows, pool, take + 1, (index, score))  # +1: oneself may take a place
    return index, score


def build_index(session: Session, *, k: int = TOP_K, now: dt.datetime | None = None) -> BuildResult:
    """Recompute every listed influencer's k nearest neighbours and replace the table (a system job, no actor).

    The caller owns the transaction: readers see the old neighbours until it commits, then the new ones.
    """
    if not 1 <= k <= MAX_LIMIT:
        raise InvalidInput(f"Choose between 1 and {MAX_LIMIT} neighbours.")
    from sklearn.feature_extraction.text import TfidfVectorizer

    started, now = time.perf_counter(), now or utcnow()
    rows = session.execute(
        select(
            InfluencerProfile.user_id,
            InfluencerProfile.category,
            InfluencerProfile.niche,
            InfluencerProfile.bio,
            InfluencerProfile.followers,
            InfluencerProfile.engagement_rate,
        )
        .where(InfluencerProfile.listed.is_(True))
        .order_by(InfluencerProfile.user_id)
    ).all()
    session.execute(delete(SimilarInfluencer))
    if len(rows) < 2:
        return BuildResult(len(rows), 0, time.perf_counter() - started)
    ids = np.array([r.user_id for r in rows], dtype=np.int64)
    followers = np.array([r.followers for r in rows], dtype=np.int64)
    engagement = np.array([r.engagement_rate for r in rows], dtype=np.float64)
    vectorizer = TfidfVectorizer(
        stop_words="english",
        sublinear_tf=True,
        # Terms in over half the profiles say little and make the similarity blocks dense; a small corpus keeps them.
        max_df=0.5 if len(rows) >= 1000 else 1.0,
        token_pattern=r"(?u)\b[^\W\d_]{2,}\b",
        dtype=np.float32,
    )
    try:
        matrix = vectorizer.fit_transform([_document(r.category, r.niche or "", r.bio or "") for r in rows]).tocsr()
    except ValueError:  # no usable term in any profile: nobody shares anything
        return BuildResult(len(rows), 0, time.perf_counter() - started)
    terms = vectorizer.get_feature_names_out()
    candidates, text = _top_text_matches(matrix, CANDIDATES)
    tiers = _tier_index(followers)
    safe = np.where(candidates >= 0, candidates, 0)
    gap = np.abs(tiers[:, None] - tiers[safe])
    tier_score = np.where(gap == 0, 1.0, np.where(gap == 1, 0.5, 0.0))
    high = np.maximum(engagement[:, None], engagement[safe])
    closeness = np.where(high > 0, np.minimum(engagement[:, None], engagement[safe]) / np.where(high > 0, high, 1), 1.0)
    total = WEIGHTS["text"] * text + WEIGHTS["tier"] * tier_score + WEIGHTS["engagement"] * closeness
    total = np.where(candidates >= 0, total, -1.0)
    order = np.argsort(-total, axis=1, kind="stable")[:, :k]
    chosen = np.take_along_axis(candidates, order, axis=1)
    chosen_score = np.take_along_axis(total, order, axis=1)
    source, rank = np.nonzero(chosen >= 0)
    target = chosen[source, rank]
    shared = matrix[source].multiply(matrix[target]).tocsr()  # per pair: the weight each shared term contributes
    pair_of = np.repeat(np.arange(len(source)), np.diff(shared.indptr))
    ordered = np.lexsort((-shared.data, pair_of))  # by pair, strongest shared term first
    place = np.arange(len(ordered)) - shared.indptr[pair_of[ordered]]
    keep = ordered[place < SHARED_TERMS]
    words: list[list[str]] = [[] for _ in range(len(source))]
    for pair, term in zip(pair_of[keep].tolist(), terms[shared.indices[keep]].tolist()):
        words[pair].append(term)
    out = [
        {
            "influencer_id": int(ids[s]),
            "neighbour_id": int(ids[t]),
            "rank": int(r) + 1,
            "score": round(float(v), 4),
            "shared_terms": ",".join(w)[:300],
            "built_at": now,
        }
        for s, t, r, v, w in zip(source, target, rank, chosen_score[source, rank], words)
    ]
    # Core executemany (not the ORM's bulk insert): a million plain rows, no identity bookkeeping needed.
    table = cast(Table, SimilarInfluencer.__table__)
    connection = session.connection()
    for start in range(0, len(out), 20_000):
        connection.execute(table.insert(), out[start : start + 20_000])
    return BuildResult(len(rows), len(out), time.perf_counter() - started)


def _explain(shared_terms: str, tier: str, neighbour_tier: str, engagement: float, neighbour_engagement: float) -> str:
    parts = [f"shared: {', '.join(shared_terms.split(','))}"] if shared_terms else []
    parts.append(f"same tier: {tier}" if tier == neighbour_tier else f"tier: {neighbour_tier} vs {tier}")
    parts.append(f"engagement {neighbour_engagement:.1f}% vs {engagement:.1f}%")
    return " · ".join(parts)


def similar_to(session: Session, *, actor: Actor, influencer_id: int, limit: int = TOP_K) -> list[dict]:
    """The most similar listed creators to influencer_id, best first, each with why it matched (two indexed queries).

    Sponsors (members holding influencer.search) ask about listed profiles only; admins (read-only) about
    any profile. Results are always listed profiles, never the influencer itself.
    """
    if actor is None:
        raise PermissionDenied("Please log in first.")
    if not actor.is_admin:
        require_member(actor, "influencer.search")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"Choose between 1 and {MAX_LIMIT} results.")
    source = aliased(InfluencerProfile)
    origin = session.execute(
        select(source.listed, source.followers, source.engagement_rate).where(source.user_id == influencer_id)
    ).first()
    if origin is None or not (origin.listed or actor.is_admin):
        raise NotFound("That influencer does not exist or their profile is private.")
    neighbour = aliased(InfluencerProfile)
    rows = session.execute(
        select(
            neighbour.user_id,
            neighbour.display_name,
            neighbour.category,
            neighbour.niche,
            neighbour.platform,
            neighbour.followers,
            neighbour.engagement_rate,
            SimilarInfluencer.score,
            SimilarInfluencer.shared_terms,
        )
        .join(neighbour, neighbour.user_id == SimilarInfluencer.neighbour_id)
        .where(
            SimilarInfluencer.influencer_id == influencer_id,
            neighbour.listed.is_(True),  # the index may be an hour old: a profile unlisted since never shows
            neighbour.user_id != influencer_id,
        )
        .order_by(SimilarInfluencer.rank)
        .limit(limit)
    ).all()
    tier = tier_of(origin.followers)
    return [
        {
            "user_id": r.user_id,
            "display_name": r.display_name,
            "category": r.category,
            "niche": r.niche,
            "platform": r.platform,
            "followers": r.followers,
            "tier": tier_of(r.followers),
            "engagement_rate": r.engagement_rate,
            "score": r.score,
            "shared_terms": [t for t in r.shared_terms.split(",") if t],
            "why": _explain(r.shared_terms, tier, tier_of(r.followers), origin.engagement_rate, r.engagement_rate),
        }
        for r in rows
    ]
