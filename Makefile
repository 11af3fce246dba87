# evalkit — the two set-up commands are `make demo` and `make test`.
# Both create .venv with the machine's python3 (>= 3.11) if it is missing and
# install the project into it; nothing else needs to be installed by hand.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test schema constraints dist clean help

help:
	@echo "make demo   — 安装并运行 params/examples/ 下的全部示例项目，生成 HTML 附件"
	@echo "make test   — 安装并运行测试"
	@echo "make constraints — 按 .venv 中现有版本重新生成 constraints.txt（升级依赖并测试通过后）"
	@echo "make schema — 重新生成 params 文件的 JSON Schema（evalkit/params.schema.json 与 params/params.schema.json）"
	@echo "make dist   — 构建 sdist 与 wheel（dist/），发布到软件包索引之前检查用"

$(STAMP): pyproject.toml constraints.txt evalkit/constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "evalkit 需要 Python >= 3.11，当前为 " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,all]'
	@touch $(STAMP)

# The schema is generated from the pydantic models and committed twice: inside the package (a wheel carries it;
# evalkit new and evalkit schema copy it beside the params files) and as params/params.schema.json, which the
# bundled examples' first line names. tests/test_schema.py fails when either is stale.
schema: $(STAMP)
	$(BIN)/evalkit schema -o evalkit/params.schema.json
	$(BIN)/evalkit schema -o params/params.schema.json

demo: $(STAMP) schema
	$(BIN)/evalkit batch params/examples
	@echo
	@echo "批次汇总：outputs/examples/index.html（另有 summary.xlsx、summary.csv、round.json）"
	@echo "各项目附件："
	@ls -1 outputs/examples/*/appendix.html

test: $(STAMP)
	$(BIN)/python -m pytest

# evalkit/constraints.txt: the exact versions `make test` and `make demo` install (the tested set), inside the
# package so that a wheel carries it (manifest.json records it and which installed versions differ); the top-level
# constraints.txt only includes it (-c), so `pip install -c constraints.txt` works from the checkout. To upgrade:
# `.venv/bin/pip install -U pandas` (etc.), `make test`, then `make constraints` and commit the file.
constraints:
	@test -x $(BIN)/python || { echo "先运行 make test 建立 .venv"; exit 1; }
	{ echo "# evalkit 经测试的依赖版本（pip 约束文件）。由 make constraints 从 .venv 生成，勿手改。"; \
	  echo "# 安装：pip install -c constraints.txt -e '.[test,all]'"; \
	  $(BIN)/python -m pip freeze --all --exclude-editable | grep -v -i -E '^(evalkit|pip|wheel)(==| @)'; } > evalkit/constraints.txt.tmp
	mv evalkit/constraints.txt.tmp evalkit/constraints.txt

# dist/: the sdist and the wheel a package index is given (offline, with the setuptools of .venv); publishing
# itself is the release workflow (.github/workflows/release.yml), run by pushing a tag v<version>.
dist: $(STAMP)
	rm -rf dist build evalkit.egg-info && mkdir -p dist  # build/ keeps old modules that would ride along
	$(BIN)/python -m pip wheel --no-deps --no-build-isolation --no-index -q -w dist .
	$(BIN)/python -c 'from setuptools import build_meta; print(build_meta.build_sdist("dist"))'
	@ls -1 dist

clean:
	rm -rf outputs lab $(VENV) *.egg-info build dist
