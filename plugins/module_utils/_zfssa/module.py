# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""The skeleton of the ``zfssa_*`` modules: one run shape and one error boundary.

A module defines a ``ZfssaTask`` subclass and ends ``main()`` with
``run_zfssa_module(module, TaskClass)``::

    class PruneTask(ScopeTask):
        def __init__(self, module, client):      # check the options; raise InputError (no request yet)
        def read(self):                           # what is on the appliance
        def plan(self, current):                  # what to change (nothing is written here)
        def apply(self, plan):                    # write it; never called in check mode
        def report(self, current, plan):          # the module result (with 'diff'; dropped unless --diff)

Every appliance call carries its own ``doing=`` text (``'delete snapshot gold/backups@daily'``), so a
failure reads "Could not delete snapshot gold/backups@daily: DELETE ...: HTTP 409 ...". Bad options
raise ``InputError`` naming the option and the fix. ``run_zfssa_module`` is the one place that turns
either into ``fail_json``. Modules with a ``state`` option dispatch it through an explicit dict.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.client import (
    ZfssaClient, ZfssaError, fail_on_error, name_problem, storage_paths)
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.properties import (
    missing_container, scope_label)


class InputError(ValueError):
    """A bad option, found before any request; the message names the option and the fix."""


class ZfssaTask(object):
    """One module run: read -> plan -> apply (unless check mode) -> report."""

    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.params = module.params
        self.check_mode = module.check_mode

    def read(self):
        """What the appliance holds now (None when there is nothing to read)."""
        return None

    def plan(self, current):
        raise NotImplementedError

    def apply(self, plan):
        """Carry the plan out on the appliance (never called in check mode)."""

    def report(self, current, plan):
        raise NotImplementedError

    def explain(self, err):
        """A message that says more than the appliance's error ``err`` (for example which parent of a
        404 is missing), or None."""
        return None

    def run(self):
        current = self.read()
        plan = self.plan(current)
        if not self.check_mode:
            self.apply(plan)
        return self.report(current, plan)

    def fail(self, err):
        """fail_json for an appliance error, explained when explain() knows more."""
        try:
            problem = self.explain(err)
        except ZfssaError:
            problem = None  # the original error says more than a failed explanation
        if problem:
            self.module.fail_json(msg='Could not %s: %s' % (err.doing, problem) if err.doing else problem,
                                  status=err.status, fault=err.fault())
        fail_on_error(self.module, err)


def dispatch(handlers, state):
    """handlers[state]: the explicit state table of a task (``{'present': self.plan_present, ...}``)."""
    return handlers[state]


class ScopeTask(ZfssaTask):
    """A task on a project or one share of it (the options of properties.scope_spec()).

    A 404 from the appliance means a missing object or a missing parent; explain() reads the
    parents (pool list, project, share) to say which one is missing.
    """

    def __init__(self, module, client):
        super(ScopeTask, self).__init__(module, client)
        params = module.params
        self.pool, self.project, self.filesystem = params['pool'], params['project'], params['filesystem']
        for option in ('pool', 'project', 'filesystem'):
            problem = name_problem(option, params[option]) if params[option] else None
            if problem:
                raise InputError(problem)
        self.owner = scope_label(self.pool, self.project, self.filesystem)

    def missing_parent(self):
        """A message naming the missing pool, project or share of the scope, or None when all exist."""
        problem = missing_container(self.client, self.pool, self.project)
        if problem or not self.filesystem:
            return problem
        share = storage_paths.filesystem(self.pool, self.project, self.filesystem)
        if self.client.get_or_none(share, 'filesystem') is None:
            return ("share '%s' does not exist in project %s/%s; create it first with exalogic.backup.zfssa_filesystem"
                    % (self.filesystem, self.pool, self.project))
        return None

    def explain(self, err):
        return self.missing_parent() if err.not_found else None


def run_zfssa_module(module, task_class):
    """Run one task against the appliance and exit the module: the one error boundary of zfssa_* modules."""
    with ZfssaClient.from_module(module) as client:
        try:
            task = task_class(module, client)
        except InputError as err:
            module.fail_json(msg=to_text(err))
        try:
            result = task.run()
        except InputError as err:
            module.fail_json(msg=to_text(err))
        except ZfssaError as err:
            task.fail(err)
    if not module._diff:
        result.pop('diff', None)
    module.exit_json(**result)
