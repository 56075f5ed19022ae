# Ablation: optical-only input. The SAR channels are blanked for the student and for its
# own teacher (trained by the optical-only teacher config), so no SAR information is
# used anywhere; the architecture is unchanged.
_base_ = ['../edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(
    data_preprocessor=dict(blank_modalities=('sar',)),
    teacher=dict(
        config='{{fileDirname}}/edc-teacher_edc-small-optical-only_1xb8-400it_generated-m3mcr-160x160.py',
        checkpoint='work_dirs/edc-teacher_edc-small-optical-only_1xb8-400it_generated-m3mcr-160x160',
        # without SAR the teacher cannot tell built-up from bare land (they differ in SAR
        # only, by construction): EDC's floor does not apply to it
        min_val_miou=None))
ablation_changes = ['model.data_preprocessor.blank_modalities']
ablation_teacher = 'own'
