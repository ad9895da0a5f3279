"""How much scratch a pass over data may hold at once."""

# Bytes of float64 scratch per chunk of rows (or block of columns, or of class
# pairs): bounds the extra memory of every pass over data in the package.
CHUNK_BYTES = 32 * 2**20
