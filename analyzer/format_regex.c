/* placeholder: analyzer/format_regex.c (to be written) */
typedef int dpf_placeholder_t;
