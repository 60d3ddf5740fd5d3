"""The Open311 API takes form-encoded posts from apps, not web forms; validation lives in
portal.domain.open311.parse_post, so the same rules serve every client and the tests."""
