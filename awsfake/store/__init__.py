"""State kept by the endpoint: bodies (`body`, `blobs`) and, with a data directory, the services' saved state
(`saved`)."""
