"""Kubeconfig files, read as kubectl reads them, and the exec credential plugins they name.

What a connection needs before it can send a request: the files to merge (``--kubeconfig``, else every file
in ``KUBECONFIG``, else ~/.kube/config), merged as kubectl merges them (the first file to set a value wins,
relative file references resolved against their file), each refused in one line naming the file when it is
not a kubeconfig (binary, or YAML of the wrong shape, worded as kubectl's decoder would); and the library's
``KubeConfigLoader`` with one change: an exec credential plugin that fails stops the command before any
request, with client-go's wording, where the library would log and read anonymously.

It holds :class:`ClusterError` (and :class:`CredentialError`) because reading the kubeconfig is where
connecting first fails; ``cluster_client.py`` builds the connection on top of this module and re-exports
both, so this module never imports it. ``kubernetes`` is imported only inside the functions that need it.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Optional


class ClusterError(Exception):
    """Connecting or reading failed in a way that stops the command; the message is one line."""


class CredentialError(ClusterError):
    """An exec credential plugin failed: kubectl stops ("getting credentials: ..."), it never reads anonymously."""


def kubeconfig_paths(explicit: Optional[str]) -> list[str]:
    """The kubeconfig files to merge, as kubectl finds them: ``--kubeconfig``, else ``$KUBECONFIG``, else ~/.kube/config."""
    if explicit:
        return [os.path.expanduser(explicit)]
    env = os.environ.get("KUBECONFIG")  # read now, not at kubernetes' import time
    if env:
        return [os.path.expanduser(p) for p in env.split(os.pathsep) if p]
    return [os.path.expanduser("~/.kube/config")]


_PATH_KEYS = {"clusters": ("certificate-authority",), "users": ("client-certificate", "client-key", "tokenFile")}
# The fields kubectl decodes as strings (or a bool), by section; a value of another type is an invalid kubeconfig.
_STRING_FIELDS = {
    "clusters": ("server", "certificate-authority", "certificate-authority-data", "tls-server-name", "proxy-url"),
    "contexts": ("cluster", "user", "namespace"),
    "users": ("token", "tokenFile", "client-certificate", "client-certificate-data", "client-key", "client-key-data",
              "username", "password", "as"),
}
_BOOL_FIELDS = {"clusters": ("insecure-skip-tls-verify", "disable-compression")}


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    return {dict: "a mapping", list: "a list", str: "a string", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__)


def _check_shape(data: dict) -> Optional[str]:
    """Where ``data`` is not shaped as a kubeconfig (the first place, worded as kubectl's decoder would refuse it)."""
    current = data.get("current-context")
    if current is not None and not isinstance(current, str):
        return f"current-context: expected a string, got {_kind(current)}"
    for section in ("clusters", "contexts", "users"):
        entries = data.get(section)
        if entries is None:
            continue
        if not isinstance(entries, list):
            return f"{section}: expected a list of named {section[:-1]}s, got {_kind(entries)}"
        inner_key = section[:-1]
        for index, entry in enumerate(entries):
            where = f"{section}[{index}]"
            if not isinstance(entry, dict):
                return f"{where}: expected a mapping with name and {inner_key}, got {_kind(entry)}"
            name = entry.get("name")
            if not isinstance(name, str):
                return f"{where}: name: expected a string, got {_kind(name)}"
            where = f'{where} ("{name}")'
            inner = entry.get(inner_key)
            if inner is None:
                continue
            if not isinstance(inner, dict):
                return f"{where}: {inner_key}: expected a mapping, got {_kind(inner)}"
            for key in _STRING_FIELDS[section]:
                if inner.get(key) is not None and not isinstance(inner[key], str):
                    return f"{where}: {inner_key}.{key}: expected a string, got {_kind(inner[key])}"
            for key in _BOOL_FIELDS.get(section, ()):
                if inner.get(key) is not None and not isinstance(inner[key], bool):
                    return f"{where}: {inner_key}.{key}: expected true or false, got {_kind(inner[key])}"
            plugin = inner.get("exec") if section == "users" else None
            if plugin is not None:
                problem = _check_exec(plugin)
                if problem:
                    return f"{where}: user.exec{problem}"
    return None


def _check_exec(plugin: Any) -> Optional[str]:
    if not isinstance(plugin, dict):
        return f": expected a mapping, got {_kind(plugin)}"
    for key in ("command", "apiVersion"):
        if not isinstance(plugin.get(key), str) or not plugin.get(key):
            return f".{key}: expected a string, got {_kind(plugin.get(key)) if key in plugin else 'nothing'}"
    args = plugin.get("args")
    if args is not None and not (isinstance(args, list) and all(isinstance(a, str) for a in args)):
        return ".args: expected a list of strings"
    env = plugin.get("env")
    if env is not None and not (isinstance(env, list) and all(
            isinstance(e, dict) and isinstance(e.get("name"), str) and isinstance(e.get("value"), str) for e in env)):
        return ".env: expected a list of {name, value} strings"
    return None


def merge_kubeconfigs(paths: list[str]) -> tuple[dict, list[str]]:
    """kubectl's merge: the first file to define a named cluster/user/context or current-context wins.

    Relative file references are made absolute against the file that holds them.
    """
    import yaml

    from ..inputs import InputTooLarge, load_yaml

    merged: dict = {"clusters": [], "contexts": [], "users": []}
    used: list[str] = []
    for path in paths:
        if not os.path.exists(path):
            continue
        try:
            with open(path, "rb") as handle:
                text = handle.read().decode("utf-8")
            data = load_yaml(text) or {}  # libyaml: 3 of the 4 ms connecting took; errors as the pure loader words them
        except InputTooLarge as error:  # aliases that expand without bound (a "billion laughs")
            raise ClusterError(f"invalid kubeconfig {path}: {error}") from None
        except UnicodeDecodeError:
            raise ClusterError(f"invalid kubeconfig {path}: not a text file (expected YAML)") from None
        except yaml.reader.ReaderError as error:  # control characters: a binary file that happens to be UTF-8
            raise ClusterError(f"invalid kubeconfig {path}: not a text file "
                               f"({' '.join(str(error.reason).split())})") from None
        except (OSError, yaml.YAMLError) as error:
            problem = getattr(error, "problem", None) or getattr(error, "strerror", None) or str(error).splitlines()[0]
            raise ClusterError(f"invalid kubeconfig {path}: {problem}") from None
        if not isinstance(data, dict):
            raise ClusterError(f"invalid kubeconfig {path}: not a mapping")
        problem = _check_shape(data)
        if problem:
            raise ClusterError(f"invalid kubeconfig {path}: {problem}")
        used.append(path)
        base = os.path.dirname(os.path.abspath(path))
        for section in ("clusters", "contexts", "users"):
            known = {entry.get("name") for entry in merged[section]}
            for entry in data.get(section) or ():
                if not isinstance(entry, dict) or entry.get("name") in known:
                    continue
                entry = json.loads(json.dumps(entry))
                inner_key = section[:-1]
                inner = entry.get(inner_key) or {}
                for key in _PATH_KEYS.get(section, ()):
                    value = inner.get(key)
                    if value and not os.path.isabs(os.path.expanduser(value)):
                        inner[key] = os.path.join(base, value)
                merged[section].append(entry)
        if data.get("current-context") and not merged.get("current-context"):
            merged["current-context"] = data["current-context"]
    return merged, used


def _first_line(text: str) -> str:
    return next((" ".join(line.split()) for line in text.splitlines() if line.strip()), "")


def run_exec_plugin(exec_config: Any, base_path: str, cluster: Any) -> dict:
    """Run a kubeconfig ``exec`` credential plugin as client-go does and return its ExecCredential ``status``.

    Raises :class:`CredentialError` with client-go's wording ("getting credentials: exec: executable X not
    found", "... failed with exit code N", a bad answer): kubectl stops there, before any request. The plugin's
    stderr is captured for its first line, except when a person can answer its prompts (stdin and stdout are
    terminals): then it goes to the terminal, as kubectl lets it.
    """
    import subprocess  # only an exec credential plugin needs it: not on every command's start-up path

    from kubernetes.config.exec_provider import ExecProvider

    provider = ExecProvider(exec_config, base_path, cluster)  # the library's parsing of command, args, env, cluster
    command = str(exec_config["command"])
    interactive = all(bool(getattr(stream, "isatty", lambda: False)()) for stream in (sys.stdin, sys.stdout))
    info: dict = {"apiVersion": provider.api_version, "kind": "ExecCredential", "spec": {"interactive": interactive}}
    if provider.cluster is not None:
        info["spec"]["cluster"] = dict(provider.cluster.value)
    env = dict(provider.env, KUBERNETES_EXEC_INFO=json.dumps(info))
    try:
        result = subprocess.run(provider.args, stdout=subprocess.PIPE, stderr=None if interactive else subprocess.PIPE,
                                stdin=None if interactive else subprocess.DEVNULL, cwd=provider.cwd, env=env,
                                text=True, errors="replace", check=False)
    except FileNotFoundError:
        raise CredentialError(f"getting credentials: exec: executable {command} not found") from None
    except OSError as error:
        raise CredentialError(f"getting credentials: exec: executable {command}: "
                              f"{(error.strerror or str(error)).lower()}") from None
    if result.returncode != 0:
        said = _first_line(result.stderr or "")
        code = f"exit code {result.returncode}" if result.returncode > 0 else f"signal {-result.returncode}"
        raise CredentialError(f"getting credentials: exec: executable {command} failed with {code}"
                              + (f": {said}" if said else ""))
    try:
        answer = json.loads(result.stdout)
    except ValueError as error:
        raise CredentialError(f"getting credentials: exec: executable {command} printed invalid JSON "
                              f"({error})") from None
    if not isinstance(answer, dict) or answer.get("kind") != "ExecCredential":
        raise CredentialError(f"getting credentials: exec: executable {command} printed no ExecCredential")
    if answer.get("apiVersion") != provider.api_version:
        raise CredentialError(f"getting credentials: exec: executable {command} answered apiVersion "
                              f"{answer.get('apiVersion')!r}, not {provider.api_version!r}")
    status = answer.get("status")
    if not isinstance(status, dict) or not (
            status.get("token") or (status.get("clientCertificateData") and status.get("clientKeyData"))):
        raise CredentialError(f"getting credentials: exec: executable {command} returned neither a token nor a "
                              "client certificate and key")
    return status


def strict_exec_loader() -> Any:
    """The library's KubeConfigLoader, except that an exec plugin failure stops (it logs and goes on anonymously)."""
    from kubernetes.config.dateutil import parse_rfc3339
    from kubernetes.config.kube_config import FileOrData, KubeConfigLoader

    class StrictExecLoader(KubeConfigLoader):
        def _load_from_exec_plugin(self) -> Optional[bool]:
            user: Any = self._user
            cluster: Any = self._cluster
            if "exec" not in user:
                return None
            base_path = self._get_base_path(cluster.path)
            status = run_exec_plugin(user["exec"], base_path, cluster)
            if status.get("token"):
                self.token = f"Bearer {status['token']}"
            else:
                for attribute, key in (("cert_file", "clientCertificateData"), ("key_file", "clientKeyData")):
                    setattr(self, attribute, FileOrData(status, None, data_key_name=key, file_base_path=base_path,
                                                        base64_file_content=False,
                                                        temp_file_path=self._temp_file_path).as_file())
            if status.get("expirationTimestamp"):
                self.expiry = parse_rfc3339(status["expirationTimestamp"])
            return True

    return StrictExecLoader
