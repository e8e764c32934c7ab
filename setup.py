"Hand-written setup for an nbdev 2 project: metadata and requirements come from settings.ini."
from configparser import ConfigParser
import setuptools

cfg = ConfigParser(delimiters=['='])
cfg.read('settings.ini', encoding='utf-8')
cfg = cfg['DEFAULT']

def reqs(key): return cfg.get(key, '').split()

licenses = {'apache2': ('Apache Software License 2.0', 'OSI Approved :: Apache Software License')}
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable']
lic = licenses[cfg['license']]

setuptools.setup(
    name=cfg['lib_name'], version=cfg['version'], description=cfg['description'],
    long_description=open('README.md', encoding='utf-8').read(), long_description_content_type='text/markdown',
    author=cfg['author'], author_email=cfg['author_email'], license=lic[0], url=cfg['git_url'],
    keywords=cfg['keywords'], python_requires='>=' + cfg['min_python'],
    classifiers=['Development Status :: ' + statuses[int(cfg['status'])], 'Intended Audience :: ' + cfg['audience'],
                 'License :: ' + lic[1], 'Natural Language :: ' + cfg['language'],
                 'Programming Language :: Python :: 3'],
    packages=setuptools.find_packages(include=['marl_nb', 'marl_nb.*']),
    include_package_data=True, package_data={'marl_nb': ['configs/*.yaml', 'samples/*.csv', 'samples/*.md']},
    install_requires=reqs('requirements'),
    extras_require={'dev': reqs('dev_requirements'), 'bench': reqs('bench_requirements'), 'hpo': reqs('hpo_requirements')},
    entry_points={'console_scripts': reqs('console_scripts'), 'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
    zip_safe=False)
