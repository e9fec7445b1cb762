"""Options several modules share: documented once, specified once, and the two agree."""

from __future__ import annotations

import yaml


def test_shared_options_are_documented_as_specified():
    """The doc fragment and the shared argument specs agree (the constants are the source of the defaults)."""
    from ansible_collections.rustfs.operator.plugins.doc_fragments.tenant_settings import ModuleDocFragment
    from ansible_collections.rustfs.operator.plugins.module_utils import argument_specs, constants

    documented = {
        **yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"],
        **yaml.safe_load(ModuleDocFragment.DEFAULT_IMAGE)["options"],
    }
    specified = {**argument_specs.CLUSTER_DOMAIN_SPEC, **argument_specs.DEFAULT_IMAGE_SPEC}
    assert documented.keys() == specified.keys()
    for name, spec in specified.items():
        assert (documented[name]["type"], documented[name]["default"]) == (spec["type"], spec["default"]), name
    assert specified["default_image"]["default"] == constants.DEFAULT_IMAGE
    assert specified["cluster_domain"]["default"] == constants.DEFAULT_CLUSTER_DOMAIN
