"""Reading a configuration YAML the way every generator reports bad input: `error: FILE:
FIELD: REASON` on stderr and exit status 2."""
import sys

import yaml


def fail(path, field, reason):
    sys.stderr.write(f"error: {path}: {field}: {reason}\n")
    sys.exit(2)


def load_mapping(path, known):
    """The top-level mapping of `path`; fails on unreadable YAML and on keys not in `known`."""
    try:
        with open(path) as f:
            doc = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        fail(path, "", f"cannot read YAML: {e}")
    if not isinstance(doc, dict):
        fail(path, "", "top level must be a mapping")
    for key in doc:
        if key not in known:
            fail(path, key, "unknown field")
    return doc
