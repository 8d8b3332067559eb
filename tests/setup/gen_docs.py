"""Generate the module, filter and role reference pages in docs/reference/ from the code.

The pages are rendered from what `ansible-doc --json` reads (DOCUMENTATION, EXAMPLES, RETURN of
modules and filters; meta/argument_specs.yml of roles), so they say exactly what the code says.
CI runs `gen_docs.py --check`, which fails and names every page that differs from the code, so the
checked-in pages never drift. Run it from the laid-out collection (make docs does that).

Usage: gen_docs.py [--check] [COLLECTION_DIR]     (default: the current directory)
"""

import argparse
import json
import os
import re
import subprocess
import sys

NAMESPACE = 'exalogic.backup'
KINDS = (('module', 'plugins/modules', 'modules'), ('filter', 'plugins/filter', 'filters'))
OUT_DIR = 'docs/reference'
MARKUP = [
    (re.compile(r'L\(([^)]*?),\s*([^)]*)\)'), r'[\1](\2)'),
    (re.compile(r'U\(([^)]*)\)'), r'<\1>'),
    (re.compile(r'I\(([^)]*)\)'), r'*\1*'),
    (re.compile(r'B\(([^)]*)\)'), r'**\1**'),
    (re.compile(r'\b(?:C|O|V|RV|E|P|M)\(([^)]*)\)'), r'`\1`'),
    (re.compile(r'HORIZONTALLINE'), '---'),
]


def markup(text):
    """Ansible's documentation markup (C(), O(), L() ...) as Markdown; pipes escaped for tables."""
    text = str(text)
    for pattern, replacement in MARKUP:
        text = pattern.sub(replacement, text)
    return text


def paragraphs(value):
    if value is None:
        return []
    return [markup(item) for item in (value if isinstance(value, list) else [value])]


def cell(value):
    return ' '.join(paragraphs(value)).replace('|', '\\|').replace('\n', ' ')


def plugin_names(collection, source_dir):
    path = os.path.join(collection, source_dir)
    if not os.path.isdir(path):
        return []
    names = []
    for entry in sorted(os.listdir(path)):
        if entry.endswith('.py') and not entry.startswith('_'):
            names.append(entry[:-3])
    return names


def filter_names(collection):
    """Filter plugins document each filter in a same-named YAML file or in the .py file."""
    path = os.path.join(collection, 'plugins/filter')
    if not os.path.isdir(path):
        return []
    found = set()
    for entry in os.listdir(path):
        base, ext = os.path.splitext(entry)
        if ext in ('.yml', '.yaml') and not base.startswith('_'):
            found.add(base)
        elif ext == '.py' and not base.startswith('_'):
            with open(os.path.join(path, entry), encoding='utf-8') as handle:
                if 'DOCUMENTATION' in handle.read():
                    found.add(base)
    return sorted(found)


def role_names(collection):
    path = os.path.join(collection, 'roles')
    if not os.path.isdir(path):
        return []
    return sorted(name for name in os.listdir(path)
                  if os.path.isfile(os.path.join(path, name, 'meta', 'argument_specs.yml')))


def ansible_doc(kind, names):
    if not names:
        return {}
    fqcns = ['%s.%s' % (NAMESPACE, name) for name in names]
    run = subprocess.run(['ansible-doc', '--json', '-t', kind] + fqcns, check=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    return json.loads(run.stdout)


def option_rows(options, prefix=''):
    rows = []
    for name in sorted(options):
        spec = options[name] or {}
        kind = spec.get('type', 'str')
        if spec.get('elements'):
            kind += ' of ' + spec['elements']
        facts = []
        if spec.get('required'):
            facts.append('**required**')
        if 'default' in spec and spec['default'] is not None:
            facts.append('default: `%s`' % json.dumps(spec['default']))
        if spec.get('choices'):
            facts.append('choices: ' + ', '.join('`%s`' % (c if isinstance(c, str) else json.dumps(c))
                                                 for c in spec['choices']))
        if spec.get('aliases'):
            facts.append('aliases: ' + ', '.join('`%s`' % a for a in spec['aliases']))
        env = [item['name'] for item in spec.get('env') or [] if 'name' in item]
        if env:
            facts.append('env: ' + ', '.join('`%s`' % e for e in env))
        rows.append('| `%s%s` | %s | %s | %s |' % (prefix, name, kind, ' · '.join(facts), cell(spec.get('description'))))
        sub = spec.get('suboptions') or spec.get('options')
        if sub:
            rows.extend(option_rows(sub, prefix + name + '.'))
    return rows


def return_rows(values, prefix=''):
    rows = []
    for name in sorted(values or {}):
        spec = values[name] or {}
        described = (prefix, name, spec.get('type', ''), cell(spec.get('returned', '')), cell(spec.get('description')))
        rows.append('| `%s%s` | %s | %s | %s |' % described)
        if spec.get('contains'):
            rows.extend(return_rows(spec['contains'], prefix + name + '.'))
    return rows


def options_table(options, heading='Options'):
    if not options:
        return []
    return ['## %s' % heading, '', '| name | type | facts | description |', '|---|---|---|---|'] + option_rows(options) + ['']


def plugin_page(fqcn, info):
    doc = info['doc']
    lines = ['<!-- Generated by tests/setup/gen_docs.py from the plugin source; do not edit. -->',
             '# %s' % fqcn, '', markup(doc.get('short_description', '')), '']
    for text in paragraphs(doc.get('description')):
        lines += [text, '']
    if doc.get('requirements'):
        lines += ['## Requirements', ''] + ['- %s' % markup(r) for r in doc['requirements']] + ['']
    lines += options_table(doc.get('options'))
    attributes = doc.get('attributes') or {}
    if attributes:
        lines += ['## Attributes', '', '| attribute | support | description |', '|---|---|---|']
        for name in sorted(attributes):
            spec = attributes[name]
            lines.append('| %s | %s | %s |' % (name, spec.get('support', ''), cell(spec.get('description'))))
        lines.append('')
    if doc.get('notes'):
        lines += ['## Notes', ''] + ['- %s' % markup(n) for n in doc['notes']] + ['']
    if doc.get('seealso'):
        lines += ['## See also', '']
        for item in doc['seealso']:
            target = item.get('module') or item.get('plugin') or item.get('name') or item.get('link', '')
            lines.append('- %s%s' % (target, (' — ' + cell(item['description'])) if item.get('description') else ''))
        lines.append('')
    examples = (info.get('examples') or '').strip('\n')
    if examples:
        lines += ['## Examples', '', '```yaml', examples, '```', '']
    returned = info.get('return') or {}
    if returned:
        lines += ['## Return values', '', '| key | type | returned | description |', '|---|---|---|---|']
        lines += return_rows(returned) + ['']
    return '\n'.join(lines)


def role_page(fqcn, info):
    lines = ['<!-- Generated by tests/setup/gen_docs.py from meta/argument_specs.yml; do not edit. -->',
             '# %s (role)' % fqcn, '']
    for entry_name in sorted(info.get('entry_points', {})):
        entry = info['entry_points'][entry_name]
        lines += ['## Entry point `%s`' % entry_name, '', markup(entry.get('short_description', '')), '']
        for text in paragraphs(entry.get('description')):
            lines += [text, '']
        lines += options_table(entry.get('options'), 'Variables of `%s`' % entry_name)
    return '\n'.join(lines)


def render(collection):
    pages = {}
    for kind, source_dir, out in KINDS:
        names = filter_names(collection) if kind == 'filter' else plugin_names(collection, source_dir)
        for fqcn, info in sorted(ansible_doc(kind, names).items()):
            pages['%s/%s/%s.md' % (OUT_DIR, out, fqcn.split('.')[-1])] = plugin_page(fqcn, info)
    for fqcn, info in sorted(ansible_doc('role', role_names(collection)).items()):
        pages['%s/roles/%s.md' % (OUT_DIR, fqcn.split('.')[-1])] = role_page(fqcn, info)
    pages['%s/index.md' % OUT_DIR] = index_page(pages)
    return pages


def index_page(pages):
    lines = ['<!-- Generated by tests/setup/gen_docs.py; do not edit. -->', '# Reference pages', '',
             'Generated from the code by `make docs`; CI fails when they differ from it.', '']
    for path in sorted(pages):
        relative = path[len(OUT_DIR) + 1:]
        lines.append('- [%s](%s)' % (relative[:-3], relative))
    lines += ['', 'Background the code relies on: [appliance-api.md](appliance-api.md) (vendor REST API facts '
              'with sources), [backup-practice.md](backup-practice.md) (rsync, NFS and restore practice).', '']
    return '\n'.join(lines)


def generated_files(collection):
    found = set()
    for sub in ('modules', 'filters', 'roles'):
        path = os.path.join(collection, OUT_DIR, sub)
        if os.path.isdir(path):
            found.update('%s/%s/%s' % (OUT_DIR, sub, name) for name in os.listdir(path) if name.endswith('.md'))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--check', action='store_true', help='fail when a checked-in page differs from the code')
    parser.add_argument('collection', nargs='?', default='.')
    args = parser.parse_args()
    pages = render(args.collection)
    stale = sorted(generated_files(args.collection) - set(pages))
    differing = []
    for path, text in sorted(pages.items()):
        full = os.path.join(args.collection, path)
        current = open(full, encoding='utf-8').read() if os.path.exists(full) else None
        if current != text + '\n':
            differing.append(path)
            if not args.check:
                os.makedirs(os.path.dirname(full), exist_ok=True)
                with open(full, 'w', encoding='utf-8') as handle:
                    handle.write(text + '\n')
    if not args.check:
        for path in stale:
            os.remove(os.path.join(args.collection, path))
        print('%d pages, %d rewritten, %d removed' % (len(pages), len(differing), len(stale)))
        return 0
    if differing or stale:
        for path in differing:
            print('out of date: %s' % path)
        for path in stale:
            print('no longer generated: %s' % path)
        print('Run `make docs` and commit docs/reference/.')
        return 1
    print('%d reference pages match the code' % len(pages))
    return 0


if __name__ == '__main__':
    sys.exit(main())
