"""Private files in an S3-compatible object store (AWS S3, MinIO, Ceph, Scaleway, …)."""
