/* placeholder: analyzer/report_csv.c (to be written) */
typedef int dpf_placeholder_t;
