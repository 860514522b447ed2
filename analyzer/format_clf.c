/* placeholder: analyzer/format_clf.c (to be written) */
typedef int dpf_placeholder_t;
