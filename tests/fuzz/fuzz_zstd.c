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

#ifdef HAVE_ZSTD
/*
 * libzstd's own streaming decoder over the whole input in one call.  Older
 * libzstd (1.5.4, Debian 12) is more permissive streaming than one-shot on
 * some corrupt blocks (zstd's doc/decompressor_permissive.md): where the
 * one-shot decoder says "corruption" and the streaming one decodes, we can
 * only be held to the streaming API we use.  Returns the size, or an error.
 */
static size_t stream_whole(char *dst, const uint8_t *src, size_t n)
{
	ZSTD_DCtx *d = ZSTD_createDCtx();
	ZSTD_inBuffer ib = { src, n, 0 };
	ZSTD_outBuffer ob = { dst, FZ_CAP, 0 };
	size_t ret = 0;

	while (ib.pos < ib.size) {
		size_t before = ib.pos, out = ob.pos;
		ret = ZSTD_decompressStream(d, &ob, &ib);
		if (ZSTD_isError(ret) || (ib.pos == before && ob.pos == out))
			break;
	}
	ZSTD_freeDCtx(d);
	if (ZSTD_isError(ret))
		return ret;
	return ret == 0 ? ob.pos : (size_t)-ZSTD_error_corruption_detected;
}
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
	/*
	 * One-shot decoding of older libzstd accepts some frames the streaming
	 * API (the one we use) rejects, such as a block larger than the window
	 * (zstd's doc/decompressor_permissive.md): there, streaming is the
	 * reference, and it must reject them too.
	 */
	if (!ZSTD_isError(got) && r.damaged && ZSTD_isError(stream_whole(ref, data, size)))
		return 0;
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
		if (ZSTD_isError(got) && ZSTD_getErrorCode(got) == ZSTD_error_corruption_detected)
			got = stream_whole(ref, data, end);
		if (ZSTD_isError(got) || r.total != got || memcmp(r.out, ref, got) != 0)
			fz_differ("one-shot rejects or differs on the frames we read", &r,
				  ZSTD_isError(got) ? -1 : (long long)got);
	}
#else
	(void)refp;
#endif
	return 0;
}
