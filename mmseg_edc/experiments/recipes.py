"""Which configs make up each model of the generated benchmark, in training order.

A recipe is the chain of configs one model needs: a reference trains one config; EDC
trains its teacher, then the student, whose ``model.teacher.checkpoint`` is set to the
teacher's work dir. The last config of a chain is the one tested. Configs are given by
their packaged names (``mmseg-edc configs`` lists them). ``edc-teacher`` tests EDC's
teacher alone (on cloud-free optical input, as it is trained): its spread over seeds
shows whether teacher training is stable; ``edc-teacher-<name>`` does the same for the
teacher of an own-teacher ablation.
"""
SUFFIX = '_1xb8-400it_generated-m3mcr-160x160'
TEACHER = 'edc-teacher_edc-small' + SUFFIX

#: One-change ablations of the EDC student (configs/edc/ablations) that share EDC's
#: teacher: the recipe is that teacher, then the ablation.
SHARED_TEACHER_ABLATIONS = ('plain-pool', 'no-cloud-removal', 'no-distill',
                            'distill-from-scratch', 'no-reliability',
                            'absolute-discrepancy', 'no-write-back', 'no-carrier-upsample',
                            'reliability-weighted-carriers', 'distill-all-pixels',
                            'fixed-windows', 'reliability-supervision',
                            'cloudy-pixel-weight', 'distill-weight16',
                            'sar-to-decoder')
#: Ablations that train their own teacher (the change applies to the teacher too).
OWN_TEACHER_ABLATIONS = ('no-carrier-tokens', 'optical-only', 'sar-auxiliary',
                         'unweighted', 'decoder8')

#: model name -> configs trained in order; the last one is tested.
MODEL_RECIPES = {
    'edc': (TEACHER, 'edc_edc-small' + SUFFIX),
    'optical-only': ('upernet_r18-tiny_optical-only_1xb8-600it_generated-m3mcr-160x160',),
    'early-fusion': ('upernet_r18-tiny_early-fusion_1xb8-600it_generated-m3mcr-160x160',),
    'optical-only-2.5m': (
        'upernet_r18-small_optical-only_1xb8-600it_generated-m3mcr-160x160',),
    'early-fusion-2.5m': (
        'upernet_r18-small_early-fusion_1xb8-600it_generated-m3mcr-160x160',),
    # the same, trained for about EDC's wall-clock time (teacher and student together)
    'early-fusion-2.5m-900it': (
        'upernet_r18-small_early-fusion_1xb8-900it_generated-m3mcr-160x160',),
    'optical-only-2.5m-900it': (
        'upernet_r18-small_optical-only_1xb8-900it_generated-m3mcr-160x160',),
    **{f'edc-{name}': (TEACHER, f'edc_edc-small-{name}' + SUFFIX)
       for name in SHARED_TEACHER_ABLATIONS},
    **{f'edc-{name}': (f'edc-teacher_edc-small-{name}' + SUFFIX,
                       f'edc_edc-small-{name}' + SUFFIX)
       for name in OWN_TEACHER_ABLATIONS},
    # two changes together, on the sar-auxiliary teacher
    'edc-sar-auxiliary-distill-all-pixels': (
        'edc-teacher_edc-small-sar-auxiliary' + SUFFIX,
        'edc_edc-small-sar-auxiliary-distill-all-pixels' + SUFFIX),
    'edc-no-teacher': ('edc_edc-small-no-teacher' + SUFFIX,),
    'edc-teacher': (TEACHER,),
    # an own-teacher ablation's teacher alone (is its training stable?)
    **{f'edc-teacher-{name}': (f'edc-teacher_edc-small-{name}' + SUFFIX,)
       for name in OWN_TEACHER_ABLATIONS},
}

#: Configs some recipe trains as a student's teacher: their training keeps its
#: validation (the score the student's ``min_val_miou`` reads) even when tested.
TEACHER_CONFIGS = frozenset(config for chain in MODEL_RECIPES.values()
                            for config in chain[:-1])

#: Test metrics every table shows, in order (percent; PSNR in dB).
REPORTED_METRICS = ('mIoU', 'aAcc', 'mAcc', 'FWIoU', 'clear.mIoU', 'cloudy.mIoU',
                    'cr/PSNR')
