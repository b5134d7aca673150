"""Content-addressed storage of uploaded files (evidence, activity minutes).

A file is stored under its sha256: the same content uploaded twice is stored once, and a stored
file is never replaced by another.
"""

import hashlib

from django.core.files.base import File


def sha256_of(upload: File) -> tuple[str, int]:
    """(hex digest, size in bytes), reading the upload in chunks; leaves it rewound."""
    digest = hashlib.sha256()
    size = 0
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    return digest.hexdigest(), size


def store(instance, upload: File, name: str) -> None:
    """Point `instance.file` at the stored copy of its content, saving the upload only if no row
    of the same model already stored this sha256. `instance.sha256` must be set."""
    model = type(instance)
    existing = model.objects.filter(sha256=instance.sha256).exclude(file="").first()
    if existing is not None and existing.file.storage.exists(existing.file.name):
        instance.file.name = existing.file.name
    else:
        instance.file.save(name, upload, save=False)
