/*
 * fuzz_zstd.c - arbitrary bytes as an input file, a differential test of
 * input_zstd.c against libzstd's one-shot ZSTD_decompress().
 *
 * Where the content is zstd: if the one-shot decoder accepts the input,
 * we read it whole to the same bytes (unless the frame's window is above
 * our limit, which one-shot decoding does not have); if we read it whole,
 * the one-shot decoder accepts the frames we read (all of the input but a
 * zero padding we allow) and gives the same bytes; otherwise both reject
 * it.  Plus fuzz_decode.h's invariants for every input.
 */
#include "fuzz_decode.h"

#ifdef HAVE_ZSTD
#include <zstd.h>
#include <zstd_errors.h>
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_read r;
	static void *refp;

	fz_decode_input(data, size, ".zst", &r, &refp);
#ifdef HAVE_ZSTD
	char *ref = refp;
	if (r.kind != INP_ZSTD || r.total > FZ_CAP)
		return 0;
	if (r.damaged && strstr(r.msg, "window larger than"))
		return 0;	/* our limit */
	/* The frames at the start, as libzstd delimits them. */
	size_t end = 0, fs;
	while (end < size && !ZSTD_isError(fs = ZSTD_findFrameCompressedSize(data + end, size - end)))
		end += fs;
	size_t got = ZSTD_decompress(ref, FZ_CAP, data, size);
	if (!ZSTD_isError(got)) {
		if (r.damaged)
			fz_differ("one-shot decodes what we call damaged", &r, (long long)got);
		if (r.total != got || memcmp(r.out, ref, got) != 0)
			fz_differ("one-shot decodes other bytes", &r, (long long)got);
	} else if (ZSTD_getErrorCode(got) == ZSTD_error_dstSize_tooSmall) {
		return 0;
	} else if (!r.damaged) {
		/* Clean for us: whole frames, then only zero padding. */
		for (size_t i = end; i < size; i++)
			if (data[i] != 0)
				fz_differ("we read whole what has garbage after the frames", &r, -1);
		got = ZSTD_decompress(ref, FZ_CAP, data, end);
		if (ZSTD_isError(got) || r.total != got || memcmp(r.out, ref, got) != 0)
			fz_differ("one-shot rejects or differs on the frames we read", &r,
				  ZSTD_isError(got) ? -1 : (long long)got);
	}
#else
	(void)refp;
#endif
	return 0;
}
