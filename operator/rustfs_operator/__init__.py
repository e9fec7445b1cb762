"""rustfs-operator: a Kopf process that reconciles RustFS Tenants with the collection's playbooks.

Layers, one way only: the Kopf shim (handlers, scheduler, status) calls the
runner adapter, which runs the collection's `reconcile` playbook. The
collection never knows about the shim, so playbook mode and operator mode
stay one code base.
"""

__version__ = "0.1.0"
