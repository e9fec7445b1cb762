# Entry points for developers and CI. `make setup` is idempotent: it
# reinstalls only when a requirements file changed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
REQS := requirements-dev.txt requirements-test.txt
STAMP := $(VENV)/.installed-$(shell cat $(REQS) | sha256sum | cut -c1-16)
COLLECTION_LINK := .ansible/collections/ansible_collections/rustfs/operator
# galaxy-importer lives in a venv of its own (inside .venv, so git, ansible-lint
# and `ansible-galaxy collection build` already leave it out): its dependencies
# must not move the pins of .venv.
IMPORTER_VENV := $(VENV)/importer
IMPORTER_STAMP := $(IMPORTER_VENV)/.installed-$(shell cat requirements-importer.txt | sha256sum | cut -c1-16)

.PHONY: setup openapi lint sanity importer chart molecule dataplane-build dataplane-test bench-operator bench-fault bench-playbook test unit integration render-examples build cluster-build cluster-up cluster-down cluster-status demo demo-down clean

setup: $(STAMP) $(COLLECTION_LINK)

$(STAMP): $(REQS)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt -r requirements-test.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

# The collection loader finds this checkout through ansible.cfg's collections_path.
$(COLLECTION_LINK):
	@mkdir -p $(dir $@)
	@ln -sfn ../../../.. $@

# The CRD generator reads core-type schemas from the Kubernetes module in the Go
# module cache; its --check test needs them (seconds when cached).
openapi:
	go mod download k8s.io/kubernetes@v$$(. tests/cluster/versions.env && echo $$K8S_VERSION)

# promtool, built once from the Go module proxy into ~/.cache (hack/promtool.sh): the unit tests
# check operator/deploy/monitoring's rules and dashboard with it (minutes when cold).
.PHONY: promtool
promtool:
	hack/promtool.sh build

# Pure logic and playbooks that need no cluster, with branch coverage of the engine.
unit: setup openapi promtool
	$(BIN)/pytest tests/unit tests/playbooks --cov --cov-report=term-missing:skip-covered

# The tests marked `dataplane` need the real RustFS server (make dataplane-test).
integration: setup cluster-build
	tests/cluster/run-with-cluster.sh $(BIN)/pytest tests/integration -m "not dataplane"

# RustFS built from its crate, cached outside the repo (cold: hours on 2 cores; docs/development.md).
dataplane-build:
	tests/dataplane/build.sh

# The collection's clients and provisioning against that real RustFS, on 127.0.0.1.
dataplane-test: setup cluster-build dataplane-build
	tests/cluster/run-with-cluster.sh $(BIN)/pytest tests/dataplane tests/integration -m dataplane

# Static checks, all offline.
lint: setup
	$(BIN)/ruff check plugins hack tests operator bench
	$(BIN)/mypy -p ansible_collections.rustfs.operator.plugins
	MYPYPATH=operator $(BIN)/mypy hack/gen_crd.py hack/gen_api_docs.py hack/demo_summary.py hack/gen_operator_settings.py
	cd operator && ../$(BIN)/mypy rustfs_operator
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/ansible-lint
	$(BIN)/antsibull-changelog lint
	$(BIN)/antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml

# ansible-test sanity on the built collection (offline pip bootstrap, see hack/).
sanity: setup
	hack/sanity.sh

$(IMPORTER_STAMP): requirements-importer.txt | $(STAMP)
	@test -x $(IMPORTER_VENV)/bin/python || $(PYTHON) -m venv $(IMPORTER_VENV)
	$(IMPORTER_VENV)/bin/pip install --disable-pip-version-check -q -r requirements-importer.txt
	@rm -f $(IMPORTER_VENV)/.installed-*
	@touch $@

# galaxy-importer, the checks Galaxy runs on upload, on the built tarball, offline
# (no container, no ansible-test: `make sanity` runs that). Fails on any error or warning.
importer: setup $(IMPORTER_STAMP)
	hack/galaxy_importer.sh

# The Helm chart (docs/helm.md): helm lint and helm template; helm is hack/helm.sh's, built once
# from the Go module proxy into ~/.cache. tests/unit/test_helm_chart.py checks what it renders.
chart:
	hack/helm.sh lint --strict charts/rustfs-operator
	hack/helm.sh template rustfs-operator charts/rustfs-operator --include-crds >/dev/null

# Molecule scenario molecule/default against the current kube context (KUBECONFIG).
molecule: setup
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/molecule test

# Operator benchmark (prints figures): create latency, burst of 50, resync, RSS.
bench-operator: setup cluster-build
	tests/cluster/run-with-cluster.sh $(BIN)/python bench/operator_bench.py

# Recovery benchmark (prints figures): a change after API server outages of 5, 15 and 25 s.
bench-fault: setup cluster-build
	tests/cluster/run-with-cluster.sh $(BIN)/python bench/fault_bench.py

# Playbook-mode benchmark (prints figures): create, no-op rerun, update of a 2-pool tenant.
bench-playbook: setup cluster-build
	tests/cluster/run-with-cluster.sh $(BIN)/python bench/playbook_bench.py

# helm's first build takes minutes (docs/development.md): started first, it runs beside lint and sanity.
test: setup
	hack/helm.sh build --background
	$(MAKE) lint
	$(MAKE) sanity
	$(MAKE) importer
	$(MAKE) chart
	$(MAKE) unit
	$(MAKE) integration
	tests/cluster/run-with-cluster.sh $(MAKE) molecule

build: setup
	@mkdir -p build
	$(BIN)/ansible-galaxy collection build --force --output-path build .

cluster-build:
	tests/cluster/build.sh all

cluster-up: cluster-build
	tests/cluster/up.sh

cluster-down:
	tests/cluster/down.sh

cluster-status:
	tests/cluster/status.sh

# A Tenant reconciled by the operator running locally, on the local control plane
# (or the cluster of KUBECONFIG when it is set), shown when Ready. See hack/demo.sh.
demo: setup
	hack/demo.sh up

demo-down: setup
	hack/demo.sh down

clean:
	rm -rf build .pytest_cache .hypothesis .coverage htmlcov
