/* placeholder: analyzer/cmd_rules.c (to be written) */
typedef int dpf_placeholder_t;
