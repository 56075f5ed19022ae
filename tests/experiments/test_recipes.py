"""Every model recipe names packaged configs, teacher before student."""
from mmengine.config import Config

from mmseg_edc.experiments import MODEL_RECIPES, TEACHER_CONFIGS
from mmseg_edc.utils.packaged import config_path


def test_recipes_resolve_and_students_follow_their_teacher():
    for name, configs in MODEL_RECIPES.items():
        paths = [config_path(c) for c in configs]
        last = Config.fromfile(paths[-1])
        teacher = last.model.get('teacher')
        if len(paths) == 2:     # the first config trains the student's teacher
            assert teacher is not None, name
            assert teacher['config'].endswith(configs[0] + '.py'), name
        else:
            assert teacher is None, name


def test_teacher_configs_are_the_configs_trained_before_a_student():
    assert TEACHER_CONFIGS == {configs[0] for configs in MODEL_RECIPES.values()
                               if len(configs) == 2}
    assert MODEL_RECIPES['edc-teacher'] == MODEL_RECIPES['edc'][:1]


def test_a_teacher_alone_recipe_is_the_first_config_of_its_ablation():
    alone = [name for name in MODEL_RECIPES if name.startswith('edc-teacher-')]
    assert 'edc-teacher-unweighted' in alone
    for name in alone:
        ablation = 'edc-' + name[len('edc-teacher-'):]
        assert MODEL_RECIPES[name] == MODEL_RECIPES[ablation][:1], name
