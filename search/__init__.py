"""Search: tokenizer, keyword and vector indexes, fusion, and the draft check."""
