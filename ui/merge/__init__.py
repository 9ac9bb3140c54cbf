"""File ▸ Merge sign-ups: merging packs and reviewing what the merge could not decide."""
