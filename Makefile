# evalkit — the two set-up commands are `make demo` and `make test`.
# Both create .venv with the machine's python3 (>= 3.11) if it is missing and
# install the project into it; nothing else needs to be installed by hand.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test schema clean help

help:
	@echo "make demo   — 安装并运行 params/examples/ 下的全部示例项目，生成 HTML 附件"
	@echo "make test   — 安装并运行测试"
	@echo "make schema — 生成 params 文件的 JSON Schema（outputs/params.schema.json）"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "evalkit 需要 Python >= 3.11，当前为 " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

schema: $(STAMP)
	$(BIN)/evalkit schema -o outputs/params.schema.json

demo: $(STAMP) schema
	$(BIN)/evalkit batch params/examples
	@echo
	@echo "批次汇总：outputs/examples/index.html（另有 summary.xlsx、summary.csv、round.json）"
	@echo "各项目附件："
	@ls -1 outputs/examples/*/appendix.html

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf outputs $(VENV) *.egg-info
