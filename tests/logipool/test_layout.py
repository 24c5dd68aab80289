"""Each capability has one module in every layer, and the models and schemas packages re-export them.

``from logipool.models import X`` and ``from logipool import schemas as s; s.X`` must keep finding
every model and schema, whichever capability module defines it."""

import importlib
import inspect
import pkgutil

from marshmallow import Schema

import logipool.models
import logipool.schemas
from logipool.db import Base

# capability -> the module that holds it in each layer (None: that layer has nothing for it)
CAPABILITIES = {
    "directory": {"api": "directory", "services": "directory", "models": "directory", "schemas": "directory"},
    "accounts": {"api": "users", "services": "accounts", "models": "accounts", "schemas": "accounts"},
    "ledger": {"api": "charges", "services": "ledger", "models": "ledger", "schemas": "ledger"},
    "vehicles": {"api": "vehicles", "services": "vehicles", "models": "vehicles", "schemas": "vehicles",
                 "web": "vehicles"},
    "storage": {"api": "storage", "services": "storage", "models": "storage", "schemas": "storage", "web": "storage"},
    "routes": {"api": "routes", "services": "routes", "models": "routes", "schemas": "routes"},
    "orders": {"api": "orders", "services": "orders", "models": "orders", "schemas": "orders", "web": "orders"},
    "invoices": {"api": "invoices", "services": "invoicing", "models": "invoices", "schemas": "invoices",
                 "web": "treasury"},
}


def _submodules(package):
    return [importlib.import_module(f"{package.__name__}.{info.name}")
            for info in pkgutil.iter_modules(package.__path__)]


def test_every_capability_has_its_module_in_each_layer():
    for capability, layers in CAPABILITIES.items():
        for layer, module in layers.items():
            assert importlib.util.find_spec(f"logipool.{layer}.{module}") is not None, (capability, layer, module)


def test_models_package_reexports_every_model_and_every_table_has_one():
    exported = set(logipool.models.__all__)
    for module in _submodules(logipool.models):
        for name, value in vars(module).items():
            if not name.startswith("_") and getattr(value, "__module__", None) == module.__name__:
                assert name in exported, f"{module.__name__}.{name} is not re-exported by logipool.models"
                assert getattr(logipool.models, name) is value
    mapped = {mapper.class_.__table__.name: mapper.class_ for mapper in Base.registry.mappers}
    assert set(mapped) == set(Base.metadata.tables)
    for table, cls in mapped.items():
        module = cls.__module__.rsplit(".", 1)
        assert module[0] == "logipool.models" and module[1] != "__init__", (table, cls.__module__)
        assert getattr(logipool.models, cls.__name__) is cls


def test_schemas_package_reexports_every_schema():
    exported = set(logipool.schemas.__all__)
    schemas = 0
    for module in _submodules(logipool.schemas):
        for name, value in vars(module).items():
            if name.startswith("_") or getattr(value, "__module__", None) != module.__name__:
                continue
            assert name in exported, f"{module.__name__}.{name} is not re-exported by logipool.schemas"
            assert getattr(logipool.schemas, name) is value
            schemas += inspect.isclass(value) and issubclass(value, Schema)
    assert schemas > 100
    for name in exported:  # and nothing listed that does not exist
        assert hasattr(logipool.schemas, name), name
    for name in logipool.models.__all__:
        assert hasattr(logipool.models, name), name
