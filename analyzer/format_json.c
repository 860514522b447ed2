/* placeholder: analyzer/format_json.c (to be written) */
typedef int dpf_placeholder_t;
