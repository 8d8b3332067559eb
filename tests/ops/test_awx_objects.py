"""The AWX definitions in playbooks/vars/awx_objects.yml against AWX's own rules, and awx_bootstrap.yml
against awx.awx (syntax check in the throwaway venv that has it)."""
import os
import re
import subprocess

import yaml

from conftest import COLLECTION, COLLECTIONS_ROOT

OBJECTS = os.path.join(COLLECTION, 'playbooks', 'vars', 'awx_objects.yml')
# AWX validates injectors (awx/main/fields.py, CredentialTypeInjectorField): shell-style names for env
# and extra_vars, template[.name] for files, no ANSIBLE_* and none of the variables AWX sets itself.
ENV_NAME = re.compile(r'^[a-zA-Z_]+[a-zA-Z0-9_]*$')
FILE_KEY = re.compile(r'^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$')
AWX_RESERVED = {'VIRTUAL_ENV', 'PATH', 'PYTHONPATH', 'JOB_ID', 'INVENTORY_ID', 'INVENTORY_SOURCE_ID',
                'INVENTORY_UPDATE_ID', 'AD_HOC_COMMAND_ID', 'REST_API_URL', 'REST_API_TOKEN', 'MAX_EVENT_RES',
                'CALLBACK_QUEUE', 'CALLBACK_CONNECTION', 'CACHE', 'JOB_CALLBACK_DEBUG', 'INVENTORY_HOSTVARS',
                'AWX_HOST', 'PROJECT_REVISION', 'SUPERVISOR_CONFIG_PATH'}
SURVEY_TYPES = {'text', 'textarea', 'password', 'integer', 'float', 'multiplechoice', 'multiselect'}


class Loader(yaml.SafeLoader):
    pass


Loader.add_constructor('!unsafe', lambda loader, node: loader.construct_scalar(node))


def objects():
    with open(OBJECTS) as handle:
        return yaml.load(handle, Loader=Loader)  # noqa: S506 - SafeLoader subclass


def template_names(text):
    return re.findall(r'\{\{\s*([a-zA-Z_][a-zA-Z0-9_.]*)\s*\}\}', text)


def test_injector_names_follow_awx_rules():
    ctype = objects()['awx_credential_type']
    env = ctype['injectors']['env']
    assert set(env) == {'ZFSSA_HOST', 'ZFSSA_USER', 'ZFSSA_PASSWORD', 'ZFSSA_VALIDATE_CERTS', 'ZFSSA_CA_PATH'}
    for name in env:
        assert ENV_NAME.match(name) and not name.startswith('ANSIBLE_') and name not in AWX_RESERVED, name
    for key in ctype['injectors'].get('file', {}):
        assert FILE_KEY.match(key), key
    assert set(ctype['injectors']) <= {'env', 'file', 'extra_vars'}


def test_every_injector_refers_to_a_defined_input_or_file():
    ctype = objects()['awx_credential_type']
    inputs = {field['id'] for field in ctype['inputs']['fields']}
    files = {key.split('.', 1)[1] for key in ctype['injectors'].get('file', {}) if '.' in key}
    assert set(ctype['inputs']['required']) <= inputs
    for section in ('env', 'file', 'extra_vars'):
        for value in ctype['injectors'].get(section, {}).values():
            for name in template_names(value):
                if name.startswith('tower.filename.'):
                    assert name.split('.', 2)[2] in files, value
                else:
                    assert name in inputs, value
    secrets = {f['id'] for f in ctype['inputs']['fields'] if f.get('secret')}
    assert secrets == {'password'}
    assert all(f.get('type', 'string') in ('string', 'boolean') for f in ctype['inputs']['fields'])


def test_the_modules_read_every_injected_variable():
    with open(os.path.join(COLLECTION, 'plugins', 'module_utils', '_zfssa', 'client.py')) as handle:
        client = handle.read()
    for name in objects()['awx_credential_type']['injectors']['env']:
        assert "(env_fallback, ['%s'])" % name in client, name


def test_surveys_use_only_awx_types_and_job_templates_exist():
    data = objects()
    for name, survey in data['awx_surveys'].items():
        assert survey['name'] and survey['description'], name
        variables = [q['variable'] for q in survey['spec']]
        assert len(variables) == len(set(variables)), name
        for question in survey['spec']:
            assert question['type'] in SURVEY_TYPES, question
            assert not question['variable'].startswith('ansible_'), question  # AWX drops those
            if question['type'] in ('multiplechoice', 'multiselect'):
                assert question.get('default', question['choices'][0]) in question['choices'], question
    names = [jt['name'] for jt in data['awx_job_templates']]
    assert [n.split(' ', 1)[1] for n in names] == ['appliance setup', 'backup', 'restore', 'rebuild', 'report']
    for jt in data['awx_job_templates']:
        assert jt.get('survey') in (None,) + tuple(data['awx_surveys']), jt


def test_bootstrap_passes_syntax_check_with_awx_awx(ops_venv, tmp_path):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_ROOT, ANSIBLE_LOCAL_TEMP=str(tmp_path),
               ANSIBLE_HOME=str(tmp_path))
    out = subprocess.run([os.path.join(ops_venv, 'ansible-playbook'), '--syntax-check',
                          os.path.join(COLLECTION, 'playbooks', 'awx_bootstrap.yml')],
                         env=env, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    # awx.awx is really there: its modules resolve in that venv
    doc = subprocess.run([os.path.join(ops_venv, 'ansible-doc'), '-t', 'module', 'awx.awx.credential_type'],
                         env=env, capture_output=True, text=True, check=False)
    assert doc.returncode == 0 and 'injectors' in doc.stdout
