"""PL101's "why" names what the labeling UI reads from the bucket, from the evidence: images,
video, point clouds, documents (A2I Textract), audio; the four kinds when nothing says which."""
from __future__ import annotations

import pytest

from policylint.model import (
    BucketRef,
    Confidence,
    CorsConfig,
    CorsRule,
    CorsSource,
    Format,
    LabelingUse,
    LinkedBucket,
    Location,
    Modality,
    Project,
    Role,
    Service,
)
from policylint.rule import Options
from rules import pl101_labeling_bucket_cors_without_get as pl101

PUT_ONLY = CorsConfig(BucketRef(name="acme-data"), (CorsRule(("PUT",), ("*",)),),
                      Location("cors.json", 2, 3), CorsSource.FILE, Format.CORS_JSON)


def _use(service: Service, modality: Modality, evidence: str, line: int) -> LabelingUse:
    return LabelingUse(service, Role.INPUT, modality, evidence, Location("job.py", line, 1),
                       Confidence.DEFINED, BucketRef(name="acme-data"))


def _why(*uses: LabelingUse) -> str:
    lb = LinkedBucket("acme-data", None, cors=[PUT_ONLY], uses=list(uses))
    [finding] = pl101.check(Project(buckets=[lb]), Options())
    assert finding.location == Location("cors.json", 2, 3)
    assert finding.why is not None
    prefix = "the labeling UI reads "
    assert finding.why.startswith(prefix)
    assert finding.why.endswith(" cross-origin from workers' browsers; without one rule allowing "
                                "GET from origin * in the same rule, tasks fail to load them")
    return finding.why[len(prefix):finding.why.index(" cross-origin")]


GT = Service.GROUND_TRUTH


@pytest.mark.parametrize(("uses", "media"), [
    ([(GT, Modality.IMAGE, "Ground Truth input manifest")], "images"),
    ([(GT, Modality.VIDEO, "labeling job: input manifest")], "video"),
    ([(GT, Modality.POINT_CLOUD, "labeling job: input manifest")], "point clouds"),
    ([(Service.A2I, Modality.IMAGE, "Python Textract analyze_document")], "documents"),
    ([(Service.MTURK, Modality.UNKNOWN, "HIT with an audio player")], "audio"),
    ([(GT, Modality.VIDEO, "job a"), (GT, Modality.IMAGE, "job b"),
      (GT, Modality.VIDEO, "job c")], "video and images"),
    ([(GT, Modality.IMAGE, "job a"), (GT, Modality.VIDEO, "job b"),
      (GT, Modality.POINT_CLOUD, "job c")], "images, video and point clouds"),
    ([(Service.UNKNOWN, Modality.UNKNOWN, "listed in config labeling.buckets")],
     "its images, video, audio or documents"),
])
def test_why_names_the_media(uses: list[tuple[Service, Modality, str]], media: str) -> None:
    assert _why(*(_use(s, m, e, i + 1) for i, (s, m, e) in enumerate(uses))) == media
